// sum-of-squares: Σ i² over [0, n), mapped and reduced on the workers. Items cost tens of nanoseconds, so this
// measures what weft adds per item. The squares are BigInts: the sum passes 2^53 at n ≈ 300,000, and a
// BigInt sum is exact in any order, so the parallel answer must equal the sequential one exactly.
import type { Pool } from "../pool/pool.ts";
import { addBigInts, squareBigInt } from "./kernels/arithmetic.ts";
import { checkSize } from "./size.ts";
import * as tasks from "./tasks.ts";
import type { Workload } from "./workload.ts";

const name = "sum-of-squares";
const counts = "the numbers squared";

export const sumOfSquares: Workload<bigint> = {
  name,
  summary: "Σ i² over a lazy range, BigInt squares reduced on the workers: tiny items, weft's per-item cost",
  unit: "numbers",
  defaultSize: 100_000_000,
  quickSize: 2_000_000,
  describe: (size) => `Σ i² for i below ${checkSize(name, size, counts).toLocaleString("en-US")}`,
  items: (size) => checkSize(name, size, counts),
  sequential(size) {
    const n = checkSize(name, size, counts);
    let sum = 0n;
    for (let i = 0; i < n; i++) sum = addBigInts(sum, squareBigInt(i));
    return sum;
  },
  async parallel(pool: Pool, size, _knobs, options = {}) {
    const n = checkSize(name, size, counts);
    return await pool.range(0, n).map(tasks.squareBigInt).options(options).reduce(tasks.addBigInts, 0n);
  },
  mismatch: (expected, got) => (got === expected ? undefined : `the sum is ${got}, expected ${expected}`),
};
