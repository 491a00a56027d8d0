// The one kernel only the benchmark uses; the others are the built-in workloads' (src/workloads/kernels).

/** The cheapest possible call, so a submit benchmark measures only the pool's per-call overhead. */
export function increment(x: number): number {
  return x + 1;
}
