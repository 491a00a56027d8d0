// Arrays of plain numbers or booleans travel packed into typed arrays, both ways.
//
// Cloning an array copies it element by element, several times slower than copying a typed array,
// which is one block of memory. In a job of cheap items (isPrime over a million numbers, the `fine`
// benchmark) that copying is much of the pool thread's work, and with as many workers as cores the
// pool thread's work comes out of a worker's time. Packing is lossless: -0
// and NaN stay what they are.
import type { ChunkInput } from "./plan.ts";

/**
 * A chunk input of `items` from `start` to `end`: a typed array when every one is a number, packed
 * straight from `items` (a slice, then `Int32Array.from` through its iterator, took three times as
 * long, on the pool's own thread); otherwise a copy of them.
 */
export function itemsInput(items: readonly unknown[], start = 0, end = items.length): ChunkInput {
  const kind = numbersKind(items, start, end);
  if (kind === undefined) return { kind: "items", items: items.slice(start, end) };
  const array = kind === "ints" ? new Int32Array(end - start) : new Float64Array(end - start);
  for (let i = start; i < end; i++) array[i - start] = items[i] as number;
  return { kind: "typed", array };
}

/** Whether items `start` to `end` are all 32-bit integers, all numbers, or not all numbers. */
function numbersKind(items: readonly unknown[], start: number, end: number): "ints" | "floats" | undefined {
  let ints = true;
  for (let i = start; i < end; i++) {
    const x = items[i];
    if (typeof x !== "number") return undefined;
    // -0 would come back as 0 from an Int32Array.
    if (ints && ((x | 0) !== x || (x === 0 && 1 / x < 0))) ints = false;
  }
  return ints ? "ints" : "floats";
}

/** A chunk's collected outputs as they travel back: packed when all are booleans or all are numbers. */
export type CollectedPart =
  readonly unknown[] | { readonly booleans: Uint8Array } | { readonly numbers: Float64Array };

export function packOutputs(values: readonly unknown[]): CollectedPart {
  if (values.length === 0) return values;
  const kind = typeof values[0];
  if (kind !== "boolean" && kind !== "number") return values;
  for (let i = 1; i < values.length; i++) if (typeof values[i] !== kind) return values;
  if (kind === "number") return { numbers: Float64Array.from(values as number[]) };
  const booleans = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) booleans[i] = values[i] ? 1 : 0;
  return { booleans };
}

// Array.isArray does not narrow a readonly array type.
const isPlain = (part: CollectedPart): part is readonly unknown[] => Array.isArray(part);

export function partLength(part: CollectedPart): number {
  if (isPlain(part)) return part.length;
  return "booleans" in part ? part.booleans.length : part.numbers.length;
}

/**
 * Writes the part's values into `target` from index `at`, past its end as needed; returns the index
 * after the last.
 */
export function appendPart(part: CollectedPart, target: unknown[], at: number): number {
  if (isPlain(part)) for (let i = 0; i < part.length; i++) target[at++] = part[i];
  else if ("numbers" in part) for (let i = 0; i < part.numbers.length; i++) target[at++] = part.numbers[i];
  else for (let i = 0; i < part.booleans.length; i++) target[at++] = part.booleans[i] === 1;
  return at;
}

export function unpackPart(part: CollectedPart): unknown[] {
  if (isPlain(part)) return part as unknown[];
  const values = new Array<unknown>(partLength(part));
  appendPart(part, values, 0);
  return values;
}
