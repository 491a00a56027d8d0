// The contract between a resumable job and the store that keeps its ledger outside the process
// that runs it (a cluster's Redis): a job's plan, and one entry for each chunk it has settled.
import type { ItemFailure } from "./plan.ts";

/** A settled chunk as the ledger keeps it: the input items it covered, and what came of them. */
export interface LedgerEntry {
  readonly start: number;
  readonly count: number;
  readonly partial: unknown;
  readonly failures: readonly ItemFailure[];
}

/** Where ledgers are kept, by job name. One process at a time owns a ledger, and only it writes one. */
export interface LedgerStore {
  /**
   * Takes the ledger `name` for this process: creates it with `plan` (the job's plan, encoded), or
   * finds one whose plan has the same `digest` (of what decides the result: input, tasks, terminal)
   * and resolves with its entries. Rejects if it holds another plan, or if the process that owns it
   * is still running.
   */
  claim(name: string, plan: Uint8Array, digest: string): Promise<LedgerEntry[]>;
  /** The plan kept under `name`, to rebuild the job from, and the items its entries cover; undefined if there is no such ledger. */
  read(name: string): Promise<{ plan: Uint8Array; done: number } | undefined>;
  /** Keeps a settled chunk, if this process still owns the ledger. A write that fails costs a rerun after a resume, never a double count. */
  record(name: string, entry: LedgerEntry): void;
  /** The job is over and its result delivered: the ledger goes. */
  drop(name: string): Promise<void>;
}
