// The hand split's arithmetic, on the main thread: cutting an input into equal parts, one per worker, and
// putting the workers' answers back together. Pure, so test/bench checks it without starting a worker.

/** Indices [from, to). */
export interface IndexRange {
  readonly from: number;
  readonly to: number;
}

/** [from, to) cut into `parts` consecutive ranges whose lengths differ by at most one, in order. */
export function equalRanges(from: number, to: number, parts: number): IndexRange[] {
  if (!Number.isInteger(parts) || parts < 1)
    throw new RangeError(`parts must be a positive integer, got ${parts}`);
  const edge = (k: number) => from + Math.floor(((to - from) * k) / parts);
  return Array.from({ length: parts }, (_, k) => ({ from: edge(k), to: edge(k + 1) }));
}

/**
 * `numbers` cut as equalRanges cuts its indices, each part as an Int32Array the worker can be handed (as
 * weft packs a chunk of small integers: in a Float64Array they would reach the kernel as doubles, and
 * trial division on doubles is several times slower). Throws on a number that is not a 32-bit integer.
 */
export function equalParts(numbers: readonly number[], parts: number): Int32Array[] {
  return equalRanges(0, numbers.length, parts).map(({ from, to }) => {
    const part = new Int32Array(to - from);
    for (let i = from; i < to; i++) {
      const n = numbers[i]!;
      if ((n | 0) !== n) throw new RangeError(`number ${i}, ${n}, is not a 32-bit integer`);
      part[i - from] = n;
    }
    return part;
  });
}

/** The parts' 0s and 1s, in order, as the booleans the sequential code returns. */
export function joinFlags(parts: readonly Uint8Array[]): boolean[] {
  const out = new Array<boolean>(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) for (let i = 0; i < part.length; i++) out[at++] = part[i] === 1;
  return out;
}

/** The parts' rows of `width` pixels each, in order, as one Uint16Array per row (views, not copies). */
export function joinRows(parts: readonly Uint16Array[], width: number): Uint16Array[] {
  return parts.flatMap((part) => {
    if (part.length % width !== 0) {
      throw new RangeError(`a part of ${part.length} pixels is not whole rows of ${width}`);
    }
    return Array.from({ length: part.length / width }, (_, r) => part.subarray(r * width, (r + 1) * width));
  });
}

/** The parts' sums added. */
export function sum(parts: readonly number[]): number {
  return parts.reduce((a, b) => a + b, 0);
}

/** The parts' sums added modulo 2^32. */
export function sumUint32(parts: readonly number[]): number {
  return parts.reduce((a, b) => (a + b) >>> 0, 0);
}
