// pareto: items of busy work whose cost follows a seeded Pareto distribution, irregular from one item to the
// next: most are cheap, a few are hundreds of times dearer, and where they fall is random. A test of load
// balancing that no split decided in advance passes. The items' results are summed modulo 2^32, exact in
// any order, so the parallel answer must equal the sequential one exactly.
import type { Pool } from "../pool/pool.ts";
import { paretoShape, sumParetoItems } from "./kernels/pareto.ts";
import { checkSize } from "./size.ts";
import * as tasks from "./tasks.ts";
import type { Workload } from "./workload.ts";

const name = "pareto";
const counts = "the items of busy work";

export const pareto: Workload<number> = {
  name,
  summary: `items of busy work with seeded Pareto costs (α ${paretoShape}), cheap and dear at random: load balancing`,
  unit: "items",
  defaultSize: 20_000,
  quickSize: 2_000,
  describe: (size) =>
    `${checkSize(name, size, counts).toLocaleString("en-US")} items of Pareto-distributed cost (α ${paretoShape})`,
  items: (size) => checkSize(name, size, counts),
  sequential: (size) => sumParetoItems(0, checkSize(name, size, counts)),
  async parallel(pool: Pool, size, _knobs, options = {}) {
    const n = checkSize(name, size, counts);
    return await pool.range(0, n).map(tasks.paretoItem).options(options).reduce(tasks.addUint32, 0);
  },
  mismatch: (expected, got) =>
    got === expected ? undefined : `the items summed to ${got}, expected ${expected}`,
};
