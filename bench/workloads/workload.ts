// What every workload provides: its size, its target, a sequential reference and one runner per kind of contender.
import type { Pool } from "../../src/index.ts";
import type { PeerPool } from "../peers/peer.ts";
import type { SplitPool } from "../split/split-pool.ts";

/** Retries and a deadline switched on, to measure what fault tolerance costs when nothing fails. */
export interface FaultSettings {
  readonly retries: number;
  readonly timeout: number;
}

/** Every workload, in the order they run and print. */
export const workloadNames = [
  "coarse",
  "fine",
  "tiny",
  "skewed",
  "skewed-middle",
  "skewed-random",
  "submit",
] as const;

export type WorkloadName = (typeof workloadNames)[number];

/** The goal for weft: a speedup over sequential code in the same run, or a throughput. */
export type Target =
  { readonly kind: "speedup"; readonly min: number } | { readonly kind: "rate"; readonly min: number };

/** The project's bar for every shape of work: twice as fast on two workers, less a little. */
export const speedupTarget: Target = { kind: "speedup", min: 1.9 };

/** A contender's answer and how many of the workload's items it covers (fewer when a peer ran a prefix). */
export interface Run<A> {
  readonly answer: A;
  readonly items: number;
}

export interface Workload<A> {
  readonly name: WorkloadName;
  /** The size, in words, for the table. */
  readonly size: string;
  /** Items in the whole workload; rates are items per second. */
  readonly items: number;
  readonly unit: string;
  readonly target: Target;
  /**
   * Whether weft is also compared with the best peer of the same run: on items of uneven cost, where
   * balancing the load is the whole game and a peer handing out one item at a time can do well.
   */
  readonly versusBestPeer?: boolean;
  sequential(): A;
  /** `faults`: the fault-tolerance settings of the "weft+faults" contender, or none. */
  weft(pool: Pool, faults: FaultSettings | undefined): Promise<A>;
  peer(pool: PeerPool): Promise<Run<A>>;
  /**
   * The hand split: each raw worker given one equal part of the input, computed with the sequential
   * code's kernels, the parts combined on this thread. Absent where there is nothing to split (submit).
   */
  split?(pool: SplitPool): Promise<A>;
  /** Why `got` differs from the sequential answer on the items it covers, or undefined when it matches. */
  mismatch(expected: A, got: Run<A>): string | undefined;
}
