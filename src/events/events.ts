// What a pool reports while it works: the raw material of progress bars, timelines and dashboards.
import { EventEmitter } from "node:events";

/** One chunk, as a bar on a per-worker timeline. Times are ms on the wall clock (Date.now() scale). */
export interface ChunkRecord {
  readonly jobId: number;
  readonly seq: number;
  readonly worker: number;
  /** Input items in the chunk. */
  readonly items: number;
  readonly startedAt: number;
  readonly endedAt: number;
}

/** A job's progress after each chunk. */
export interface Progress {
  readonly jobId: number;
  /** Input items processed so far. */
  readonly done: number;
  /** Input items in the job, when known (undefined for streams and submit). */
  readonly total: number | undefined;
  readonly elapsedMs: number;
  /** Items per second since the job started. */
  readonly rate: number;
}

export interface JobRecord {
  readonly jobId: number;
  readonly state: "started" | "completed" | "failed";
  readonly error?: Error;
}

/** A failed chunk goes back in the queue to run again. */
export interface RetryRecord {
  readonly jobId: number;
  readonly seq: number;
  /** The attempt that failed, counted from 1. */
  readonly attempt: number;
  /** Why: the task's error, a crash, a deadline. */
  readonly error: Error;
}

/** A worker was ended and replaced: it crashed, or was stopped (deadline, cancellation). */
export interface RestartRecord {
  readonly worker: number;
  readonly reason: Error;
}

export interface PoolEvents {
  chunk: [ChunkRecord];
  progress: [Progress];
  job: [JobRecord];
  retry: [RetryRecord];
  restart: [RestartRecord];
}

/** A pool's event stream: `pool.events.on("chunk", record => ...)`. */
export type PoolEventEmitter = EventEmitter<PoolEvents>;

export function createEvents(): PoolEventEmitter {
  return new EventEmitter<PoolEvents>();
}
