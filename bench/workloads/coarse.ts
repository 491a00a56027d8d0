// coarse: the built-in primes workload (count the primes below a bound). Cheap items in bulk, each dearer than the last.
import type { PeerPool } from "../peers/peer.ts";
import type { Pool } from "../../src/index.ts";
import { primes } from "../../src/workloads/primes.ts";
import { equalRanges, sum } from "../split/combine.ts";
import type { SplitPool } from "../split/split-pool.ts";
import { speedupTarget, type Workload } from "./workload.ts";

// Peers are not told how to split a job, so they get equal ranges: enough of them that the dearer
// last ranges even out between the workers, few enough that messaging is noise.
const peerRanges = 64;

export function coarse(quick: boolean): Workload<number> {
  const from = 2;
  const to = quick ? 2_000_000 : 20_000_000;
  return {
    name: "coarse",
    size: `primes in [${from}, ${to.toLocaleString("en-US")})`,
    items: to - from,
    unit: "numbers",
    target: speedupTarget,
    sequential: () => primes.sequential(to),
    weft: (pool: Pool, faults) => primes.parallel(pool, to, {}, faults),
    async peer(pool: PeerPool) {
      const counts = await Promise.all(
        equalRanges(from, to, peerRanges).map((r) => pool.call("countPrimes", r)),
      );
      return { answer: sum(counts), items: to - from };
    },
    // Half the range each: the upper half's numbers are dearer, which a split decided in advance cannot know.
    split: async (pool: SplitPool) => sum(await pool.run("countPrimes", equalRanges(from, to, pool.workers))),
    mismatch: (expected, got) =>
      got.answer === expected ? undefined : `counted ${got.answer} primes, expected ${expected}`,
  };
}
