// Deterministic busy work for the synthetic workload: a chain of xorshift steps that the compiler can neither
// skip nor vectorise, because each step needs the previous one and the result is returned.

/** `rounds` xorshift32 steps from a state derived from `seed`; costs the same per round on any input. */
export function spin(seed: number, rounds: number): number {
  // Odd, so never the all-zero state xorshift cannot leave, and different for every seed below 2^31.
  let x = (2 * seed + 1) | 0;
  for (let r = 0; r < rounds; r++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
  }
  return x >>> 0;
}
