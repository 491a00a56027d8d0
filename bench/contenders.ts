// Every contender behind one interface: start a pool (or nothing, for sequential code), run workloads on it, stop.
import { weft } from "../src/index.ts";
import {
  faultsContender,
  handSplit,
  sequential as sequentialName,
  weftContender,
} from "./contender-names.ts";
import { peers } from "./peers/all.ts";
import type { Peer } from "./peers/peer.ts";
import { startSplitPool } from "./split/split-pool.ts";
import { increment } from "./workloads/tasks.ts";
import type { FaultSettings, Run, Workload } from "./workloads/workload.ts";

export interface Started {
  /** One trivial call, so that startup is measured up to a first result. */
  ping(): Promise<void>;
  /** Whether this contender runs `workload` at all (the hand split has nothing to split on submit); all when absent. */
  runs?(workload: Workload<unknown>): boolean;
  run(workload: Workload<unknown>): Promise<Run<unknown>>;
  close(): Promise<void>;
}

export interface Contender {
  readonly name: string;
  start(workers: number): Promise<Started>;
}

/** Plain code on the main thread: the reference answers and the baseline for every speedup. */
const sequential: Contender = {
  name: sequentialName,
  start: () =>
    Promise.resolve({
      ping: () => Promise.resolve(),
      run: (w) => Promise.resolve({ answer: w.sequential(), items: w.items }),
      close: () => Promise.resolve(),
    }),
};

function weftThreads(name: string, faults: FaultSettings | undefined): Contender {
  return {
    name,
    async start(workers) {
      const pool = await weft({ backend: "threads", workers });
      return {
        ping: async () => void (await pool.submit(increment, [0])),
        run: async (w) => ({ answer: await w.weft(pool, faults), items: w.items }),
        close: () => pool.close(),
      };
    },
  };
}

/** Raw worker_threads Workers, each given an equal part of the input: the ceiling for evenly priced items. */
const split: Contender = {
  name: handSplit,
  start(workers) {
    const pool = startSplitPool(workers);
    const nothing = Array.from({ length: workers }, () => undefined);
    return Promise.resolve({
      ping: async () => void (await pool.run("ping", nothing)),
      runs: (w) => w.split !== undefined,
      run: async (w) => ({ answer: await w.split!(pool), items: w.items }),
      close: () => pool.close(),
    });
  },
};

/** Generous enough never to fire: this measures the bookkeeping, not a recovery. */
export const faultTolerance: FaultSettings = { retries: 3, timeout: 60_000 };

function peerContender(peer: Peer): Contender {
  return {
    name: peer.name,
    start(workers) {
      const pool = peer.start(workers);
      return Promise.resolve({
        ping: async () => void (await pool.call("increment", 0)),
        run: (w) => w.peer(pool),
        close: () => pool.close(),
      });
    },
  };
}

/** Sequential first: its answers are what every other contender is checked against. */
export const contenders: readonly Contender[] = [
  sequential,
  weftThreads(weftContender, undefined),
  weftThreads(faultsContender, faultTolerance),
  split,
  ...peers.map(peerContender),
];
