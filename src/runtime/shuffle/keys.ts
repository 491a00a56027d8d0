// The keys of keyed work: which ones can be compared across workers, and which partition each goes to.
import type { SortKey } from "../../protocol/shuffle.ts";

/**
 * Refuses a key that two workers could not agree on: an object is equal only to itself, and every
 * worker holds its own copy, so it could never meet the same key from another chunk.
 */
export function checkKey(key: unknown): void {
  if ((typeof key === "object" && key !== null) || typeof key === "function" || typeof key === "symbol") {
    throw new TypeError(
      `a key of a keyed operation with partitions must be a string, number, bigint, boolean, null or ` +
        `undefined (keys are compared by value across workers), got ${describe(key)}: return a string ` +
        `made from it instead, such as JSON.stringify(key)`,
    );
  }
}

/** Refuses a key `sortBy` cannot order: it takes numbers (not NaN) and bigints, or strings. */
export function checkSortKey(key: unknown): SortKey {
  if (typeof key === "string" || typeof key === "bigint") return key;
  if (typeof key === "number" && !Number.isNaN(key)) return key;
  throw new TypeError(
    `sortBy's key must be a number, a bigint or a string, got ${typeof key === "number" ? "NaN" : describe(key)}`,
  );
}

/** Whether two sort keys can be compared: both numeric, or both strings. */
export function sameKind(a: SortKey, b: SortKey): boolean {
  return (typeof a === "string") === (typeof b === "string");
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return `an object (${value.constructor?.name ?? "no prototype"})`;
  return `a ${typeof value}`;
}

/**
 * The partition of `key` among `partitions`: FNV-1a over the key's text, so every worker, thread or
 * process, agrees. `seed` gives a second, independent split of one partition's keys.
 */
export function partitionOf(key: unknown, partitions: number, seed = 0): number {
  const text = typeof key === "string" ? key : String(key);
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  // A final mix, so keys that differ only in their last characters still spread over few partitions.
  hash ^= hash >>> 15;
  hash = Math.imul(hash, 0x2c1b3c6d);
  hash ^= hash >>> 12;
  return (hash >>> 0) % partitions;
}
