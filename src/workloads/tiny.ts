// tiny: Σ mix(i) over [0, n), mapped and reduced on the workers, where mix is a few tens of nanoseconds of
// integer arithmetic: the finest work worth parallelising, so what weft adds per item shows against a plain
// loop. Every mix(i) is below 2^16, so the sum is an exact integer in any order and the parallel answer
// must equal the sequential one exactly.
import type { Pool } from "../pool/pool.ts";
import { add } from "./kernels/arithmetic.ts";
import { mix } from "./kernels/mix.ts";
import { checkSize } from "./size.ts";
import * as tasks from "./tasks.ts";
import type { Workload } from "./workload.ts";

const name = "tiny";
const counts = "the integers mixed";

export const tiny: Workload<number> = {
  name,
  summary: "Σ mix(i) over a lazy range, tens of ns of integer arithmetic per item: weft against a plain loop",
  unit: "numbers",
  defaultSize: 20_000_000,
  quickSize: 2_000_000,
  describe: (size) => `Σ mix(i) for i below ${checkSize(name, size, counts).toLocaleString("en-US")}`,
  items: (size) => checkSize(name, size, counts),
  sequential(size) {
    const n = checkSize(name, size, counts);
    let sum = 0;
    for (let i = 0; i < n; i++) sum = add(sum, mix(i));
    return sum;
  },
  async parallel(pool: Pool, size, _knobs, options = {}) {
    const n = checkSize(name, size, counts);
    return await pool.range(0, n).map(tasks.mix).options(options).reduce(tasks.add, 0);
  },
  mismatch: (expected, got) => (got === expected ? undefined : `the sum is ${got}, expected ${expected}`),
};
