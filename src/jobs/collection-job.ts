// A collection job: chunk partials flow to an output, in input order or as they arrive.
import { TaskError } from "../errors.ts";
import type { Chunk, ChunkOutcome, JobSpec } from "../plan/plan.ts";
import { deserializeError } from "../runtime/errors.ts";
import type { ChunkBounds } from "../scheduler/chunking.ts";
import { JobBase, type Job } from "./job.ts";
import type { Source } from "./source.ts";

/** Where a job's partials go: a merge that resolves one value, or a stream a consumer reads. */
export interface Output {
  add(partial: unknown): void;
  finish(): void;
  fail(error: Error): void;
}

export class CollectionJob extends JobBase implements Job {
  readonly #reordered = new Map<number, unknown>();
  #nextSeq = 0;

  constructor(
    spec: JobSpec,
    source: Source,
    bounds: ChunkBounds,
    total: number | undefined,
    readonly ordered: boolean,
    readonly output: Output,
  ) {
    super(spec, source, bounds, total);
  }

  settle(chunk: Chunk, outcome: ChunkOutcome): void {
    this.inFlight--;
    if (this.finished) return;
    if (!outcome.ok) {
      this.fail(new TaskError(outcome.failure, deserializeError(outcome.failure.error)));
      return;
    }
    try {
      if (!this.ordered) this.output.add(outcome.partial);
      else {
        this.#reordered.set(chunk.seq, outcome.partial);
        for (let p = this.#reordered.get(this.#nextSeq); this.#reordered.delete(this.#nextSeq);) {
          this.#nextSeq++;
          this.output.add(p);
          p = this.#reordered.get(this.#nextSeq);
        }
      }
    } catch (error) {
      this.fail(error as Error);
      return;
    }
    this.completeIfDone();
  }

  lose(_chunk: Chunk, error: Error): void {
    this.inFlight--;
    this.fail(error);
  }

  fail(error: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.error = error;
    this.source.stop();
    this.output.fail(error);
  }

  protected completeIfDone(): void {
    if (this.finished || !this.allSettled) return;
    this.finished = true;
    this.output.finish();
  }
}
