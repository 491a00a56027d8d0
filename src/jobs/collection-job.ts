// A collection job: chunk partials flow to an output, in input order or as they arrive.
import { TaskError, WeftError } from "../errors.ts";
import {
  describeChunkInput,
  type Chunk,
  type ItemFailure,
  type JobSpec,
  type Terminal,
} from "../protocol/plan.ts";
import { deserializeError } from "../protocol/serialized-errors.ts";
import { describeTask } from "../protocol/task-ref.ts";
import { JobBase, type Job, type JobControls } from "./job.ts";

/** An item that failed for good under the `collect` policy: where it was, what it was, and the error. */
export interface Failure {
  readonly index: number;
  readonly preview: string;
  readonly task: string;
  readonly error: Error;
  /** For an item read from a file: the file, and its line when known. */
  readonly file?: string;
  readonly line?: number;
}
import type { Source } from "./source.ts";

/** Where a job's partials go: a merge that resolves one value, or a stream a consumer reads. */
export interface Output {
  add(partial: unknown): void;
  finish(): void;
  fail(error: Error): void;
  /** How many partials came back ahead of an earlier one and wait for it (in-order outputs only). */
  held?(partials: number): void;
  /** A chunk's partial came back after the job ended: nothing merges it (a sink removes the file it wrote). */
  discard?(partial: unknown): void;
}

export class CollectionJob extends JobBase implements Job {
  /** Results that came back before an earlier chunk's, by chunk number. */
  readonly #reordered = new Map<number, { readonly chunk: Chunk; readonly partial: unknown }>();
  #nextSeq = 0;

  constructor(
    spec: JobSpec,
    source: Source,
    total: number | undefined,
    readonly ordered: boolean,
    readonly output: Output,
    controls: JobControls,
  ) {
    super(spec, source, total, controls);
  }

  /** Items set aside under the `collect` policy, as they came. */
  readonly failures: Failure[] = [];

  settle(chunk: Chunk, partial: unknown, failures: readonly ItemFailure[]): void {
    this.unsettled--;
    if (this.finished) {
      this.output.discard?.(partial);
      return;
    }
    for (const f of failures) {
      this.failures.push({
        index: f.index,
        preview: f.preview,
        task: f.task,
        error: deserializeError(f.error),
        ...(f.file !== undefined && { file: f.file }),
        ...(f.line !== undefined && { line: f.line }),
      });
    }
    if (!this.ordered) {
      if (!this.#add(chunk, partial)) return;
    } else {
      this.#reordered.set(chunk.seq, { chunk, partial });
      for (let next = this.#reordered.get(this.#nextSeq); next; next = this.#reordered.get(this.#nextSeq)) {
        this.#reordered.delete(this.#nextSeq++);
        if (!this.#add(next.chunk, next.partial)) return;
      }
      this.output.held?.(this.#reordered.size);
    }
  }

  /** Hands a chunk's result to the output; false if that failed (the job has failed with the reason). */
  #add(chunk: Chunk, partial: unknown): boolean {
    try {
      this.output.add(partial);
      return true;
    } catch (error) {
      this.fail(mergeError(this.spec.terminal, chunk, error));
      return false;
    }
  }

  lose(_chunk: Chunk, error: Error): void {
    this.unsettled--;
    this.fail(error);
  }

  fail(error: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.error = error;
    this.source.stop();
    this.output.fail(error);
  }

  completeIfSettled(): void {
    if (this.finished || this.unsettled > 0) return;
    this.finished = true;
    this.output.finish();
  }
}

/**
 * A merge that threw on this thread: the terminal's own function combining chunks' results (a
 * reducer, a combiner) is named as a worker's failure would name it, with the chunk whose result it
 * was adding; weft's own errors pass through.
 */
function mergeError(terminal: Terminal, chunk: Chunk, error: unknown): Error {
  if (error instanceof WeftError) return error;
  const cause = error instanceof Error ? error : new Error(`non-error value thrown: ${String(error)}`);
  const task =
    terminal.op === "reduce"
      ? describeTask(terminal.task)
      : terminal.op === "reduceByKey"
        ? describeTask(terminal.combine)
        : `the ${terminal.op} merge on this thread`;
  return new TaskError(
    { task, index: chunk.start, preview: `combining the result of ${describeChunkInput(chunk)}` },
    cause,
  );
}
