// Integer mixing for the tiny workload: a few tens of nanoseconds of arithmetic per item, the cheapest item
// that still does real work, so whatever weft adds per item shows against a plain loop doing the same.

/** Rounds of multiply and xor-shift per item: a few tens of nanoseconds on a current core. */
export const mixRounds = 10;

/**
 * `mixRounds` rounds of Math.imul and xor-shift on the integer `i` (a bijection on 32 bits each round),
 * then its top 16 bits: a sum of up to 2^37 of them is an exact integer, whatever the order of addition.
 */
export function mix(i: number): number {
  let h = i | 0;
  for (let round = 0; round < mixRounds; round++) {
    h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
    h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
    h ^= h >>> 16;
  }
  return h >>> 16;
}

/** The kernel as a filter's predicate: whether mix(i) is even, true for about half the integers. */
export function mixIsEven(i: number): boolean {
  return (mix(i) & 1) === 0;
}

/** The kernel as a fold's step: `sum` plus mix(i). */
export function addMix(sum: number, i: number): number {
  return sum + mix(i);
}

/** Σ mix(i) for i in [from, to): the plain loop, which the peers and the hand split run on a range each. */
export function sumMix(from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += mix(i);
  return sum;
}
