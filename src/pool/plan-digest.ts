// A digest of a resumable job's plan that depends on its values alone, not on how they are laid out
// in memory: V8's serialization writes an array made by a literal and the same array read back from
// a ledger differently (packed or holey elements), so it cannot tell two plans apart.
import { createHash, type Hash } from "node:crypto";

/** The SHA-256 of `value`, the same for any two values that hold the same data. */
export function planDigest(value: unknown): string {
  const hash = createHash("sha256");
  feed(hash, value);
  return hash.digest("hex");
}

function feed(hash: Hash, value: unknown): void {
  if (value === null || typeof value !== "object") {
    // The type first, so 1 and "1" differ; the length, so no two strings run into one another.
    const text = String(value);
    hash.update(`${typeof value}:${text.length}:${text}`);
    return;
  }
  if (ArrayBuffer.isView(value)) {
    hash.update(`${value.constructor.name}:${value.byteLength};`);
    hash.update(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    return;
  }
  if (Array.isArray(value)) {
    hash.update(`array:${value.length}[`);
    for (let i = 0; i < value.length; i++) feed(hash, value[i]);
  } else if (value instanceof Map) {
    hash.update(`map:${value.size}[`);
    for (const [key, item] of value) {
      feed(hash, key);
      feed(hash, item);
    }
  } else if (value instanceof Set) {
    hash.update(`set:${value.size}[`);
    for (const item of value) feed(hash, item);
  } else if (value instanceof Date) {
    hash.update(`date:${value.getTime()}[`);
  } else {
    const keys = Object.keys(value).sort();
    hash.update(`object:${keys.length}[`);
    for (const key of keys) {
      feed(hash, key);
      feed(hash, (value as Record<string, unknown>)[key]);
    }
  }
  hash.update("]");
}
