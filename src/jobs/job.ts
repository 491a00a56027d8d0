// What the dispatcher runs: a job's spec, its input, and what becomes of each chunk's outcome.
import type { Chunk, ItemFailure, JobSpec } from "../protocol/plan.ts";
import type { ChunkBounds } from "../scheduler/chunking.ts";
import { noRetries, type RetryPolicy } from "../scheduler/retry.ts";
import type { Source } from "./source.ts";

/** The dispatcher's view of a job. Implementations decide what a chunk's outcome means. */
export interface Job {
  readonly spec: JobSpec;
  readonly source: Source;
  readonly bounds: ChunkBounds;
  /** Input items the job will have, if known (for progress). */
  readonly total: number | undefined;
  /** Cuts the next chunk of `size` items from the source. */
  take(size: number): Chunk;
  /** A chunk failed and will run again: it leaves the count in flight until {@link takeRetry}. */
  requeue(chunk: Chunk): void;
  /** The oldest requeued chunk, sent again. */
  takeRetry(): Chunk;
  /** Every failure of this chunk so far: its task errors and the worker crashes it caused. */
  history(chunk: Chunk): ChunkHistory;
  /** How a failure of the task with key `taskKey` (or of the chunk as a whole) is retried in this job. */
  retryPolicy(taskKey?: string): RetryPolicy;
  /** Cancels the job when it fires. */
  readonly signal: AbortSignal | undefined;
  /** The longest one chunk may run, in ms. */
  readonly timeoutMs: number | undefined;
  readonly controls: JobControls;
  /** A chunk came back from a worker with its partial result, and the items it set aside under `collect`. */
  settle(chunk: Chunk, partial: unknown, failures: readonly ItemFailure[]): void;
  /** A chunk failed for good (its retries, if any, are used up): `error` says why. */
  lose(chunk: Chunk, error: Error): void;
  /** The source made `items` more items ready. */
  offered(items: number): void;
  /** The source ended: once every item offered is taken and settled, the job is complete. */
  endInput(): void;
  /** Ends the job now with `error` (the first failure, a broken source, or a closed pool). */
  fail(error: Error): void;
  /** True once the job has resolved or failed: the dispatcher drops it. */
  readonly finished: boolean;
  /** Why the job failed, once it has. */
  readonly error: Error | undefined;
}

export interface ChunkHistory {
  readonly errors: Error[];
  readonly crashes: Error[];
}

/** What a job is asked to do beyond its plan: retries and cancellation. */
export interface JobControls {
  /** For failures of any task, unless the task has its own policy. */
  readonly retry: RetryPolicy;
  /** Policies the tasks were defined with, by task key. */
  readonly taskRetries: ReadonlyMap<string, RetryPolicy>;
  readonly signal: AbortSignal | undefined;
  readonly timeoutMs: number | undefined;
  /** Whether items that keep failing fail the job or are set aside. */
  readonly errors: "fail-fast" | "collect";
}

export const noControls: JobControls = {
  retry: noRetries,
  taskRetries: new Map(),
  signal: undefined,
  timeoutMs: undefined,
  errors: "fail-fast",
};

/** Chunk numbering, chunks in flight and their retries, shared by every kind of job. */
export abstract class JobBase implements Partial<Job> {
  #seq = 0;
  #start = 0;
  #offered = 0;
  protected inFlight = 0;
  protected inputEnded = false;
  readonly #retries: Chunk[] = [];
  readonly #histories = new Map<number, ChunkHistory>();
  finished = false;
  error: Error | undefined;

  constructor(
    readonly spec: JobSpec,
    readonly source: Source,
    readonly bounds: ChunkBounds,
    readonly total: number | undefined,
    readonly controls: JobControls = noControls,
  ) {}

  get signal(): AbortSignal | undefined {
    return this.controls.signal;
  }

  get timeoutMs(): number | undefined {
    return this.controls.timeoutMs;
  }

  requeue(chunk: Chunk): void {
    this.inFlight--;
    this.#retries.push(chunk);
  }

  takeRetry(): Chunk {
    this.inFlight++;
    return this.#retries.shift()!;
  }

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

  take(size: number): Chunk {
    const chunk: Chunk = {
      jobId: this.spec.id,
      seq: this.#seq++,
      start: this.#start,
      input: this.source.take(size),
    };
    this.#start += size;
    this.inFlight++;
    return chunk;
  }

  offered(items: number): void {
    this.#offered += items;
  }

  endInput(): void {
    this.inputEnded = true;
    this.completeIfDone();
  }

  protected get allSettled(): boolean {
    return (
      this.inputEnded && this.inFlight === 0 && this.#retries.length === 0 && this.#start === this.#offered
    );
  }

  protected abstract completeIfDone(): void;
}
