// A collection job: chunk partials flow to an output, in input order or as they arrive.
import type { Chunk, ItemFailure, JobSpec } from "../plan/plan.ts";
import { deserializeError } from "../runtime/errors.ts";
import type { ChunkBounds } from "../scheduler/chunking.ts";
import { JobBase, type Job, type JobControls } from "./job.ts";

/** An item that failed for good under the `collect` policy: where it was, what it was, and the error. */
export interface Failure {
  readonly index: number;
  readonly preview: string;
  readonly task: string;
  readonly error: Error;
}
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
    controls: JobControls,
  ) {
    super(spec, source, bounds, total, controls);
  }

  /** Items set aside under the `collect` policy, as they came. */
  readonly failures: Failure[] = [];

  settle(chunk: Chunk, partial: unknown, failures: readonly ItemFailure[]): void {
    this.inFlight--;
    if (this.finished) return;
    for (const f of failures) {
      this.failures.push({
        index: f.index,
        preview: f.preview,
        task: f.task,
        error: deserializeError(f.error),
      });
    }
    try {
      if (!this.ordered) this.output.add(partial);
      else {
        this.#reordered.set(chunk.seq, partial);
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
