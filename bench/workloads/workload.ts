// What every workload provides: its size, its target, a sequential reference and one runner per kind of contender.
import type { Pool } from "../../src/index.ts";

/** Retries and a deadline switched on, to measure what fault tolerance costs when nothing fails. */
export interface FaultSettings {
  readonly retries: number;
  readonly timeout: number;
}
import type { PeerPool } from "../peers/peer.ts";

export type WorkloadName = "coarse" | "fine" | "skewed" | "submit";

/** The goal for weft: a speedup over sequential code in the same run, or a throughput. */
export type Target =
  { readonly kind: "speedup"; readonly min: number } | { readonly kind: "rate"; readonly min: number };

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
  sequential(): A;
  /** `faults`: the fault-tolerance settings of the "weft+faults" contender, or none. */
  weft(pool: Pool, faults: FaultSettings | undefined): Promise<A>;
  peer(pool: PeerPool): Promise<Run<A>>;
  /** Why `got` differs from the sequential answer on the items it covers, or undefined when it matches. */
  mismatch(expected: A, got: Run<A>): string | undefined;
}
