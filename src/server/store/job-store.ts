// The job store's contract: what `weft serve` keeps of every job and its results, so that jobs survive
// a restart of the server. SQLite keeps it (sqlite-job-store.ts), synchronous behind this asynchronous
// interface, so that a store over the network can keep it too.
import type { JobDefinition, JobState, JobView } from "../api/types.ts";
import type { LedgerStore } from "../../protocol/ledger.ts";

export interface JobStoreOptions {
  /**
   * The clock, in ms since the epoch; tests pass their own.
   * @default Date.now
   */
  readonly now?: () => number;
}

/** Which finished jobs {@link JobStore.prune} keeps; queued and running jobs are always kept. */
export interface Retention {
  /** Keep at most this many finished jobs, the newest. */
  readonly keepJobs: number;
  /** Delete finished jobs that finished longer ago than this, in ms. */
  readonly keepMs: number;
}

export interface JobListQuery {
  readonly state?: JobState;
  readonly client?: string;
  /**
   * Only jobs created before this time. Pass the `createdAt` of the last job of a page to get the
   * next page: `createdAt` is unique within a store, so no job is skipped or shown twice.
   */
  readonly before?: string;
  /** @default 50 */
  readonly limit?: number;
}

export interface JobResults {
  /** Entries the job stored in all. */
  readonly total: number;
  readonly entries: unknown[];
}

/** What {@link JobStore.recover} did with the jobs a previous process left queued or running. */
export interface Recovery {
  /** The jobs to run again, in the order to queue them: those that were running first, oldest first. */
  readonly queued: readonly string[];
  /** How many of `queued` were running, and run again from their ledgers. */
  readonly resumed: number;
  /** Jobs that were running and cannot run again, now interrupted. */
  readonly interrupted: number;
}

/** Why a job left running cannot run again from its ledger (undefined: it can). */
export type CannotResume = (id: string, definition: JobDefinition) => string | undefined;

/**
 * The service's jobs. Every method is one short transaction; a change a job's state does not allow
 * rejects with a JobStateError, an unknown id with a JobNotFoundError, and a value the store cannot
 * hold (not JSON, a negative count) with a TypeError or RangeError before anything is written.
 *
 * Views returned by the changes and by {@link JobStore.list} leave the definition out (it can be a
 * MiB); {@link JobStore.get} and {@link JobStore.definition} give it.
 *
 * Summaries and result entries are stored as JSON, so they must be JSON-serializable: BigInt
 * throws a TypeError, and Map, Set and typed arrays would silently lose their contents, so convert
 * them to plain values first (`summarize` in jobs/summary.ts does).
 */
export interface JobStore extends AsyncDisposable {
  /**
   * Resumable jobs' ledgers, in the same store: a job's ledger goes when the job completes, fails or
   * is cancelled.
   */
  readonly ledgers: LedgerStore;
  /**
   * Takes over the jobs a previous process left (it stopped, or was killed): a queued job stays
   * queued; a running one is queued again if `cannotResume` gives no reason (it then runs from the
   * chunks its ledger holds), else it is interrupted with that reason as its error. Ledgers of no
   * unfinished job go. One transaction: a store that cannot record it leaves every job as it was.
   */
  recover(cannotResume: CannotResume): Promise<Recovery>;
  /** Records a new job, queued. */
  create(
    definition: JobDefinition,
    label: string,
    client: string,
    resubmittedFrom?: string,
  ): Promise<JobView>;
  /** A queued job starts running. */
  start(id: string): Promise<JobView>;
  /**
   * Records how far a running job got. Cheap: one UPDATE. Progress that arrives after the job
   * stopped running (it was cancelled while a chunk was finishing) is dropped: `undefined`.
   */
  progress(id: string, done: number, total: number | undefined, rate: number): Promise<JobView | undefined>;
  /**
   * A running job finished: its summary (JSON-serializable; `undefined` for none) and, when it has
   * them, its result entries (JSON-serializable), stored in one transaction with the new state.
   */
  complete(id: string, summary: unknown, entries?: readonly unknown[]): Promise<JobView>;
  /** A queued or running job failed; `error` says why in one line. */
  fail(id: string, error: string): Promise<JobView>;
  /** A queued or running job was cancelled. */
  cancel(id: string): Promise<JobView>;
  /** A job's view with its definition. */
  get(id: string): Promise<JobView | undefined>;
  /** A job's definition, as it was submitted. */
  definition(id: string): Promise<JobDefinition>;
  /**
   * Deletes the finished jobs past `retention` (older than `keepMs`, or beyond the newest
   * `keepJobs`), with their results; resolves with how many.
   */
  prune(retention: Retention): Promise<number>;
  /** Jobs newest first, optionally of one state or client, a page at a time (see `before`). */
  list(query?: JobListQuery): Promise<JobView[]>;
  /** How many jobs are in each state; every state is present, 0 when none. */
  countByState(): Promise<Record<JobState, number>>;
  /** The client that submitted job `id`, or undefined if there is no such job. */
  clientOf(id: string): Promise<string | undefined>;
  /** Jobs of this client queued or running. */
  activeCount(client: string): Promise<number>;
  /** Up to `limit` of a job's result entries from `offset`, reading only the rows that hold them. */
  results(id: string, offset: number, limit: number): Promise<JobResults>;
  /** Closing twice is harmless. */
  close(): Promise<void>;
}
