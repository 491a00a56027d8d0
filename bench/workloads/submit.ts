// submit: many independent calls of a trivial task, so only the per-call cost of the pool is measured.
import type { PeerPool } from "../peers/peer.ts";
import type { Future, Pool } from "../../src/index.ts";
import { firstDifference } from "./check.ts";
import { increment as incrementKernel } from "./kernels.ts";
import { increment } from "./tasks.ts";
import type { Workload } from "./workload.ts";

export function submit(quick: boolean): Workload<number[]> {
  const calls = quick ? 20_000 : 200_000;
  return {
    name: "submit",
    size: `${calls.toLocaleString("en-US")} calls of x => x + 1`,
    items: calls,
    unit: "tasks",
    target: { kind: "rate", min: 150_000 },
    sequential() {
      const out = new Array<number>(calls);
      for (let i = 0; i < calls; i++) out[i] = incrementKernel(i);
      return out;
    },
    weft(pool: Pool, faults) {
      // Retries only: a call with a deadline travels in a chunk of its own, which is another workload.
      const options = { retries: faults?.retries };
      const futures = new Array<Future<number>>(calls);
      for (let i = 0; i < calls; i++) futures[i] = pool.submit(increment, [i], options);
      return pool.gather(futures);
    },
    async peer(pool: PeerPool) {
      const answer = await Promise.all(Array.from({ length: calls }, (_, i) => pool.call("increment", i)));
      return { answer, items: calls };
    },
    mismatch: (expected, got) => firstDifference(expected, got.answer, calls),
  };
}
