// What the dispatcher runs: a job's spec, its input, and what becomes of each chunk's outcome.
import type { Chunk, ItemFailure, JobSpec } from "../protocol/plan.ts";
import type { ChunkBounds } from "../scheduler/chunking.ts";
import { noRetries, type RetryPolicy } from "../scheduler/retry.ts";
import type { Source } from "./source.ts";

/** The dispatcher's view of a job. Implementations decide what a chunk's outcome means. */
export interface Job {
  readonly spec: JobSpec;
  readonly source: Source;
  /** Input items the job will have, if known (for progress). */
  readonly total: number | undefined;
  /** Cuts the next chunk of `size` items from the source. */
  take(size: number): Chunk;
  /** Every failure of this chunk so far: its task errors and the worker crashes it caused. */
  history(chunk: Chunk): ChunkHistory;
  /** How a failure of the task with key `taskKey` (or of the chunk as a whole) is retried in this job. */
  retryPolicy(taskKey?: string): RetryPolicy;
  readonly controls: JobControls;
  /** A chunk came back from a worker with its partial result, and the items it set aside under `collect`. */
  settle(chunk: Chunk, partial: unknown, failures: readonly ItemFailure[]): void;
  /** A chunk failed for good (its retries, if any, are used up): `error` says why. */
  lose(chunk: Chunk, error: Error): void;
  /**
   * Told after every change once the input has ended and all of it has been cut into chunks (the
   * scheduler counts the items, so the dispatcher asks it): the job completes if every chunk has settled.
   */
  completeIfSettled(): void;
  /** Ends the job now with `error` (the first failure, a broken source, or a closed pool). */
  fail(error: Error): void;
  /**
   * Set by the dispatcher: `changed` is called when the job changes on its own, between its chunks'
   * outcomes (a result read back from disk was handed on, or could not be), so it looks again.
   */
  watch(changed: () => void): void;
  /** True once the job has resolved or failed: the dispatcher drops it. */
  readonly finished: boolean;
  /** Why the job failed, once it has. */
  readonly error: Error | undefined;
}

export interface ChunkHistory {
  readonly errors: Error[];
  readonly crashes: Error[];
}

/**
 * What a job runs with besides its plan and input, parsed from the pool's options and the job's own
 * (`JobOptions`, which keeps the user's spelling and units: `retries`, `timeout`).
 */
export interface JobControls {
  readonly bounds: ChunkBounds;
  /** For failures of any task, unless the task has its own policy. */
  readonly retry: RetryPolicy;
  /** Policies the tasks were defined with, by task key. */
  readonly taskRetries: ReadonlyMap<string, RetryPolicy>;
  /** Cancels the job when it fires. */
  readonly signal: AbortSignal | undefined;
  /** The longest one chunk may run, in ms. */
  readonly timeoutMs: number | undefined;
  /** Whether items that keep failing fail the job or are set aside. */
  readonly errors: "fail-fast" | "collect";
  /** Jobs of a higher priority get free workers first. */
  readonly priority: number;
  /** Items of a chunk one worker runs at once; undefined: the most any of the job's tasks asks for, else 1. */
  readonly concurrency: number | undefined;
  /** The most items the whole job starts per second, or undefined for no limit. */
  readonly perSecond: number | undefined;
  /** The job's name in its ledger, if it keeps one so that another process can finish it. */
  readonly resumable: string | undefined;
}

/** A job's controls when nothing but its chunk bounds was asked for. */
export function defaultControls(bounds: ChunkBounds): JobControls {
  return {
    bounds,
    retry: noRetries,
    taskRetries: new Map(),
    signal: undefined,
    timeoutMs: undefined,
    errors: "fail-fast",
    priority: 0,
    concurrency: undefined,
    perSecond: undefined,
    resumable: undefined,
  };
}

/**
 * Chunk numbering and failure histories, shared by every kind of job. The counts of items (ready,
 * still to come, waiting for a retry) are the scheduler's; a job counts only its unsettled chunks.
 */
export abstract class JobBase implements Partial<Job> {
  #seq = 0;
  #start = 0;
  /** Chunks cut and not yet settled or lost, those waiting for another attempt included. */
  protected unsettled = 0;
  readonly #histories = new Map<number, ChunkHistory>();
  finished = false;
  error: Error | undefined;
  /** The dispatcher's, from {@link Job.watch}. */
  protected changed: () => void = () => {};

  constructor(
    readonly spec: JobSpec,
    readonly source: Source,
    readonly total: number | undefined,
    readonly controls: JobControls,
  ) {}

  history(chunk: Chunk): ChunkHistory {
    let history = this.#histories.get(chunk.seq);
    if (!history) this.#histories.set(chunk.seq, (history = { errors: [], crashes: [] }));
    return history;
  }

  retryPolicy(taskKey?: string): RetryPolicy {
    return (
      (taskKey === undefined ? undefined : this.controls.taskRetries.get(taskKey)) ?? this.controls.retry
    );
  }

  watch(changed: () => void): void {
    this.changed = changed;
  }

  take(size: number): Chunk {
    const chunk: Chunk = {
      jobId: this.spec.id,
      seq: this.#seq++,
      start: this.source.nextIndex ?? this.#start,
      input: this.source.take(size),
    };
    this.#start += size;
    this.unsettled++;
    return chunk;
  }
}
