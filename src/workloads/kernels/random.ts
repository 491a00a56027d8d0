// Seeded pseudo-random numbers for the workloads' inputs: any item's numbers follow from (seed, index) alone,
// so a worker draws exactly what the sequential loop draws for that item, however the items were split.

/** splitmix32's finaliser: a bijection on 32-bit integers that scatters neighbouring inputs. */
function mix32(x: number): number {
  let t = (x + 0x9e3779b9) | 0;
  t = Math.imul(t ^ (t >>> 16), 0x21f0aaad);
  t = Math.imul(t ^ (t >>> 15), 0x735a2d97);
  return (t ^ (t >>> 15)) >>> 0;
}

/** The seed of item `index`'s own stream: distinct for every index below 2^32. */
export function streamSeed(seed: number, index: number): number {
  return mix32((mix32(seed) + index) | 0);
}

/**
 * mulberry32: uniform 32-bit integers, small and fast enough for an inner loop. A class rather than a
 * closure: V8 inlines its method, where a fresh closure per batch made the pi kernel markedly slower.
 */
export class Mulberry32 {
  private state: number;

  constructor(seed: number) {
    this.state = seed | 0;
  }

  next(): number {
    const a = (this.state = (this.state + 0x6d2b79f5) | 0);
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
}

/** 2^-32: turns a 32-bit integer into a number in [0, 1). */
export const unitScale = 2 ** -32;
