// Dense matrix multiplication for the matmul workload: row-major n×n Float64Arrays, a block of rows at a time.
import { Mulberry32, unitScale } from "./random.ts";

// A 64×256 tile of B (128 KB) stays in a core's L2 cache while every row of the block passes over it.
const kTile = 64;
const jTile = 256;

/** An n×n matrix with entries in [-1, 1) drawn from `seed`, on a SharedArrayBuffer so threads share it. */
export function randomMatrix(n: number, seed: number): Float64Array {
  const matrix = new Float64Array(new SharedArrayBuffer(n * n * Float64Array.BYTES_PER_ELEMENT));
  const random = new Mulberry32(seed);
  for (let i = 0; i < matrix.length; i++) matrix[i] = random.next() * unitScale * 2 - 1;
  return matrix;
}

/**
 * Rows [rowStart, rowEnd) of A·B. Every element sums its products in ascending k, tile after tile,
 * so it comes out bit for bit the same whatever rows a block holds.
 */
export function multiplyRows(
  a: Float64Array,
  b: Float64Array,
  n: number,
  rowStart: number,
  rowEnd: number,
): Float64Array {
  const c = new Float64Array((rowEnd - rowStart) * n);
  for (let jj = 0; jj < n; jj += jTile) {
    const jEnd = Math.min(jj + jTile, n);
    for (let kk = 0; kk < n; kk += kTile) {
      const kEnd = Math.min(kk + kTile, n);
      for (let i = rowStart; i < rowEnd; i++) {
        const cRow = (i - rowStart) * n;
        const aRow = i * n;
        for (let k = kk; k < kEnd; k++) {
          const aik = a[aRow + k]!;
          const bRow = k * n;
          for (let j = jj; j < jEnd; j++) c[cRow + j]! += aik * b[bRow + j]!;
        }
      }
    }
  }
  return c;
}
