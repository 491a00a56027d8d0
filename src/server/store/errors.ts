// The job store's errors: a change a job's state does not allow, a job that is not there, and how
// to tell the database's own failures (a full disk, a lock, PostgreSQL unreachable) from both.
import { WeftError } from "../../errors.ts";
import type { JobState } from "../api/types.ts";

/** A job cannot make the change asked of it in its current state (the API answers 409). */
export class JobStateError extends WeftError {
  override name = "JobStateError";
  readonly jobId: string;
  /** The state the job is in, which does not allow the change. */
  readonly state: JobState;

  constructor(jobId: string, state: JobState, message: string) {
    super(message);
    this.jobId = jobId;
    this.state = state;
  }
}

/** No job in the store has this id (the API answers 404). */
export class JobNotFoundError extends WeftError {
  override name = "JobNotFoundError";
  readonly jobId: string;

  constructor(jobId: string) {
    super(`no job ${jobId} in the job store`);
    this.jobId = jobId;
  }
}

/**
 * An error of SQLite itself (a full disk, an I/O error, a lock), as opposed to a change the store
 * refuses (JobStateError, JobNotFoundError) or a value it cannot hold (TypeError, RangeError).
 */
export function isStoreFailure(error: unknown): boolean {
  return (
    error instanceof StoreFailure || (error as { code?: unknown } | undefined)?.code === "ERR_SQLITE_ERROR"
  );
}

/** SQLITE_BUSY: another connection holds the lock this one needs. */
export function isLocked(error: unknown): boolean {
  return (error as { errcode?: number } | undefined)?.errcode === 5;
}

/**
 * The job store's database failed a request (PostgreSQL unreachable, a connection lost, a query
 * refused): the API answers 503, as it does for SQLite's own failures.
 */
export class StoreFailure extends WeftError {
  override name = "StoreFailure";
}
