// What the dispatcher runs: a job's spec, its input, and what becomes of each chunk's outcome.
import type { Chunk, ChunkOutcome, JobSpec } from "../plan/plan.ts";
import type { ChunkBounds } from "../scheduler/chunking.ts";
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
  /** A chunk came back from a worker. */
  settle(chunk: Chunk, outcome: ChunkOutcome): void;
  /** A chunk was lost (its worker failed) or could not be sent. */
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

/** Chunk numbering and the count of chunks in flight, shared by every kind of job. */
export abstract class JobBase implements Partial<Job> {
  #seq = 0;
  #start = 0;
  #offered = 0;
  protected inFlight = 0;
  protected inputEnded = false;
  finished = false;
  error: Error | undefined;

  constructor(
    readonly spec: JobSpec,
    readonly source: Source,
    readonly bounds: ChunkBounds,
    readonly total: number | undefined,
  ) {}

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
    return this.inputEnded && this.inFlight === 0 && this.#start === this.#offered;
  }

  protected abstract completeIfDone(): void;
}
