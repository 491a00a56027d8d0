// skewed-random: the built-in pareto workload, one item per index. Item costs follow a seeded heavy-tailed
// distribution, irregular from one item to the next: most are cheap, a few hundreds of times dearer.
import type { PeerPool } from "../peers/peer.ts";
import type { Pool } from "../../src/index.ts";
import { pareto } from "../../src/workloads/pareto.ts";
import { equalRanges, sumUint32 } from "../split/combine.ts";
import type { SplitPool } from "../split/split-pool.ts";
import { speedupTarget, type Workload } from "./workload.ts";

export function skewedRandom(quick: boolean): Workload<number> {
  const items = quick ? pareto.quickSize : pareto.defaultSize;
  return {
    name: "skewed-random",
    size: pareto.describe(items),
    items,
    unit: "items",
    target: speedupTarget,
    versusBestPeer: true,
    sequential: () => pareto.sequential(items),
    weft: (pool: Pool, faults) => pareto.parallel(pool, items, {}, faults),
    async peer(pool: PeerPool) {
      const results = await Promise.all(Array.from({ length: items }, (_, i) => pool.call("paretoItem", i)));
      return { answer: sumUint32(results), items };
    },
    split: async (pool: SplitPool) =>
      sumUint32(await pool.run("sumPareto", equalRanges(0, items, pool.workers))),
    mismatch: (expected, got) =>
      got.answer === expected ? undefined : `the items summed to ${got.answer}, expected ${expected}`,
  };
}
