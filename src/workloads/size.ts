// The one check every workload runs on a size, so a bad one fails at once with what would have been accepted.

/**
 * `size` if it is an integer of at least `min`; else a RangeError naming the workload and what its size
 * counts.
 *
 * @example
 * checkSize("mandelbrot", side, "the image's side in pixels", 2);
 */
export function checkSize(workload: string, size: number, counts: string, min = 1): number {
  if (!Number.isSafeInteger(size) || size < min) {
    throw new RangeError(
      `${workload}: the size must be an integer of at least ${min.toLocaleString("en-US")} (${counts}), got ${String(size)}`,
    );
  }
  return size;
}
