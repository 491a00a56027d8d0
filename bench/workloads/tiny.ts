// tiny: the built-in tiny workload, Σ mix(i) over a lazy range: a few tens of nanoseconds of integer
// arithmetic per item, so what a pool adds per item decides the speedup.
import type { PeerPool } from "../peers/peer.ts";
import type { Pool } from "../../src/index.ts";
import { tiny as builtIn } from "../../src/workloads/tiny.ts";
import { equalRanges, sum } from "../split/combine.ts";
import type { SplitPool } from "../split/split-pool.ts";
import { speedupTarget, type Workload } from "./workload.ts";

// One call per item would time the peers' messaging alone, millions of times over: they get equal ranges,
// as on coarse.
const peerRanges = 64;

export function tiny(quick: boolean): Workload<number> {
  const n = quick ? builtIn.quickSize : builtIn.defaultSize;
  return {
    name: "tiny",
    size: builtIn.describe(n),
    items: n,
    unit: "numbers",
    target: speedupTarget,
    sequential: () => builtIn.sequential(n),
    weft: (pool: Pool, faults) => builtIn.parallel(pool, n, {}, faults),
    async peer(pool: PeerPool) {
      const sums = await Promise.all(equalRanges(0, n, peerRanges).map((r) => pool.call("sumMixed", r)));
      return { answer: sum(sums), items: n };
    },
    split: async (pool: SplitPool) => sum(await pool.run("sumMixed", equalRanges(0, n, pool.workers))),
    mismatch: (expected, got) =>
      got.answer === expected ? undefined : `the sum is ${got.answer}, expected ${expected}`,
  };
}
