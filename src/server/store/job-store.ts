// The job store's contract: what `weft serve` keeps of every job and its results, so that jobs survive
// a restart of the server, and who runs each: a replica holds a lease on every job it runs, renewed
// while it runs, and the jobs whose lease lapsed are taken over. Two stores keep it: SQLite, embedded,
// for one server (sqlite-job-store.ts), and PostgreSQL, for replicas that share it
// (postgres-job-store.ts). The same conformance suite runs against both.
import type { JobDefinition, JobState, JobView } from "../api/types.ts";
import type { LedgerStore } from "../../protocol/ledger.ts";

export interface JobStoreOptions {
  /**
   * The clock, in ms since the epoch; tests pass their own.
   * @default Date.now
   */
  readonly now?: () => number;
  /**
   * How long a replica holds a job it runs without renewing the lease, in ms.
   * @default 15_000
   */
  readonly leaseMs?: number;
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

/** What {@link JobStore.recover} did with the jobs left by a replica that stopped, and the jobs waiting. */
export interface Recovery {
  /**
   * The jobs to queue, in order: those that were running first, then every job queued, oldest first
   * (a replica may start any queued job: the first whose start is recorded runs it).
   */
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
  /** This process, as the holder of the leases of the jobs it starts and of their ledgers. */
  readonly owner: string;
  /**
   * Resumable jobs' ledgers, in the same store: a job's ledger goes when the job completes, fails or
   * is cancelled.
   */
  readonly ledgers: LedgerStore;
  /**
   * Takes over the running jobs whose lease lapsed (their replica stopped, or was killed; in SQLite,
   * which one process holds at a time, every job another process started): each is queued again if
   * `cannotResume` gives no reason (it then runs from the chunks its ledger holds), else it is
   * interrupted with that reason as its error, exactly once however many replicas ask at the same
   * moment. Resolves with those and the jobs queued (the oldest `queuedLimit` of them, if given: a
   * replica with room for a few jobs need not read the whole queue). One transaction: a store that
   * cannot record it leaves every job as it was.
   */
  recover(cannotResume: CannotResume, queuedLimit?: number): Promise<Recovery>;
  /** Records a new job, queued. */
  create(
    definition: JobDefinition,
    label: string,
    client: string,
    resubmittedFrom?: string,
  ): Promise<JobView>;
  /**
   * A queued job starts running, held by this process's lease. Of replicas starting the same job,
   * one succeeds; the others are refused with a JobStateError.
   */
  start(id: string): Promise<JobView>;
  /**
   * Renews the leases of jobs this process runs; resolves with the ids it still holds. A job left
   * out was cancelled, or taken over after this process failed to renew in time: stop running it.
   */
  renew(ids: readonly string[]): Promise<string[]>;
  /**
   * Calls `listener` with the id of each job another process creates or changes the state of
   * (progress aside), from now until the store closes: the event stream of one replica tells the
   * jobs the others run. A store only one process uses has nothing to tell.
   */
  watch(listener: (id: string) => void): Promise<void>;
  /** Lets go of the leases this process holds, so that another takes its jobs over at once: for a server stopping. */
  release(): Promise<void>;
  /**
   * Records how far a running job got. Cheap: one UPDATE. Progress that arrives after the job
   * stopped running here (it was cancelled while a chunk was finishing, or taken over) is dropped:
   * `undefined`.
   */
  progress(id: string, done: number, total: number | undefined, rate: number): Promise<JobView | undefined>;
  /**
   * A running job finished: its summary (JSON-serializable; `undefined` for none) and, when it has
   * them, its result entries (JSON-serializable), stored in one transaction with the new state.
   * Refused if another replica took the job over.
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
