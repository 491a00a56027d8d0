// fine: isPrime over a million consecutive integers held in an array. Many items of about a microsecond each.
import type { PeerPool } from "../peers/peer.ts";
import type { Pool } from "../../src/index.ts";
import { firstDifference } from "./check.ts";
import { isPrime as isPrimeKernel } from "../../src/workloads/kernels/primes.ts";
import { isPrime } from "../../src/workloads/tasks.ts";
import { equalParts, joinFlags } from "../split/combine.ts";
import type { SplitPool } from "../split/split-pool.ts";
import { speedupTarget, type Workload } from "./workload.ts";

const first = 1e9;

export function fine(quick: boolean): Workload<boolean[]> {
  const count = quick ? 100_000 : 1_000_000;
  // One pool call per item costs the peers far more than the item itself; a prefix keeps their runs short,
  // and their time is extrapolated (linearly: every item here costs about the same on average).
  const peerItems = Math.min(count, quick ? 10_000 : 50_000);
  const numbers = Array.from({ length: count }, (_, i) => first + i);
  const prefix = numbers.slice(0, peerItems);
  return {
    name: "fine",
    size: `isPrime on ${count.toLocaleString("en-US")} integers from 1e9`,
    items: count,
    unit: "numbers",
    target: speedupTarget,
    sequential() {
      const out = new Array<boolean>(count);
      for (let i = 0; i < count; i++) out[i] = isPrimeKernel(numbers[i]!);
      return out;
    },
    weft: (pool: Pool, faults) =>
      pool
        .from(numbers)
        .map(isPrime)
        .options(faults ?? {})
        .collect(),
    async peer(pool: PeerPool) {
      const answer = await Promise.all(prefix.map((n) => pool.call("isPrime", n)));
      return { answer, items: prefix.length };
    },
    // Half the numbers each, as an Int32Array handed over; the flags come back as bytes.
    split: async (pool: SplitPool) =>
      joinFlags(await pool.run("isPrimes", equalParts(numbers, pool.workers))),
    mismatch: (expected, got) => firstDifference(expected, got.answer, got.items),
  };
}
