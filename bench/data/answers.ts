// What each workload's result is checked by: a digest of the keyed result that Node and Python compute
// alike (dask_bag.py has the same two functions), exact at any file size: integer sums stay far
// below 2^53 and the checksum is a BigInt, printed in decimal.

/** A keyed result in brief: how many keys, the sum of their values and a checksum over the (key, value) pairs. */
export interface Answer {
  readonly keys: number;
  readonly total: number;
  /** The sum over the pairs of fnv1a(key) times the value, in decimal. */
  readonly checksum: string;
}

/** 32-bit FNV-1a of a string's UTF-16 code units (its bytes, for the ASCII the log holds). */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

/** The answer of per-key sums or counts: word counts, bytes per route, bytes per country. */
export function sumsAnswer(sums: ReadonlyMap<string, number>): Answer {
  let total = 0;
  let checksum = 0n;
  for (const [key, value] of sums) {
    total += value;
    checksum += BigInt(fnv1a(key)) * BigInt(value);
  }
  return { keys: sums.size, total, checksum: String(checksum) };
}

/** The answer of a distinct set: each key counts once, so `total` is the number of keys. */
export function keysAnswer(keys: Iterable<string>): Answer {
  let count = 0;
  let checksum = 0n;
  for (const key of keys) {
    count++;
    checksum += BigInt(fnv1a(key));
  }
  return { keys: count, total: count, checksum: String(checksum) };
}

export function sameAnswer(a: Answer, b: Answer): boolean {
  return a.keys === b.keys && a.total === b.total && a.checksum === b.checksum;
}
