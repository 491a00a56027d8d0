// A collection job: chunk partials flow to an output, in input order or as they arrive.
import { TaskError, WeftError } from "../errors.ts";
import type { JobLedger } from "./ledger.ts";
import {
  describeChunkInput,
  inputLength,
  type Chunk,
  type ItemFailure,
  type JobSpec,
  type Terminal,
} from "../protocol/plan.ts";
import { deserializeError } from "../protocol/serialized-errors.ts";
import { describeTask } from "../protocol/task-ref.ts";
import { HeldResults, type Arrived, type HoldLimits } from "./held-results.ts";
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
  /** A chunk's result: `count` input items from index `start`, in input order for an ordered job. */
  add(partial: unknown, start: number, count: number): void;
  /** Items of a chunk set aside under the `collect` policy, before its result is added. */
  failed?(failures: readonly Failure[]): void;
  finish(): void;
  fail(error: Error): void;
  /** How many partials came back ahead of an earlier one and wait for it (in-order outputs only). */
  held?(partials: number): void;
  /** A chunk's partial came back after the job ended: nothing merges it (a sink removes the file it wrote). */
  discard?(partial: unknown): void;
  /** At most `items` values come, one per input item (every step is a map), before the first partial. */
  expect?(items: number): void;
}

export class CollectionJob extends JobBase implements Job {
  /** Results that came back before an earlier chunk's, by the index of their first item. */
  readonly #reordered: HeldResults;
  #nextStart = 0;
  /** The next result in order is being read back from disk: nothing after it is handed on meanwhile. */
  #readingBack = false;
  /** Items set aside under the `collect` policy, as they came, unless the output takes them ({@link Output.failed}). */
  readonly failures: Failure[] = [];

  /**
   * With a `ledger`, the chunks it holds count as settled already, and each chunk settled is kept
   * there. Past `hold`'s budget, results waiting for an earlier one wait on disk.
   */
  constructor(
    spec: JobSpec,
    source: Source,
    total: number | undefined,
    readonly ordered: boolean,
    readonly output: Output,
    controls: JobControls,
    readonly ledger: JobLedger | undefined,
    hold: HoldLimits,
  ) {
    super(spec, source, total, controls);
    this.#reordered = new HeldResults(hold);
    for (const { start, count, partial, failures } of ledger?.earlier ?? []) {
      this.#noteFailures(failures);
      this.#reordered.hold({ start, count, partial });
    }
  }

  settle(chunk: Chunk, partial: unknown, failures: readonly ItemFailure[]): void {
    this.unsettled--;
    if (this.finished) {
      this.output.discard?.(partial);
      return;
    }
    const count = inputLength(chunk.input);
    this.ledger?.record({ start: chunk.start, count, partial, failures });
    this.#noteFailures(failures);
    if (!this.ordered) {
      this.#add({ start: chunk.start, count, partial, chunk });
      return;
    }
    const arrived = { start: chunk.start, count, partial, chunk };
    if (chunk.start !== this.#nextStart) this.#reordered.hold(arrived);
    else {
      // Its turn: handed on without being weighed for the budget.
      this.#nextStart += count;
      if (!this.#add(arrived)) return;
    }
    if (!this.#addInOrder()) return;
    this.output.held?.(this.#reordered.size);
  }

  /** Hands on every result whose turn has come; false if one failed to merge. */
  #addInOrder(): boolean {
    while (!this.#readingBack) {
      const next = this.#reordered.take(this.#nextStart);
      if (next === undefined) return true;
      if (next instanceof Promise) {
        this.#readingBack = true;
        next.then(
          (arrived) => {
            this.#readingBack = false;
            if (this.finished) return;
            this.#nextStart += arrived.count;
            if (this.#add(arrived) && this.#addInOrder()) this.output.held?.(this.#reordered.size);
            // The dispatcher completes the job if this was all it waited for, or drops it if it failed.
            this.changed();
          },
          (error: unknown) => {
            this.#readingBack = false;
            const reason = error instanceof Error ? error.message : String(error);
            this.fail(
              new WeftError(
                `a result held on disk in the spill directory could not be read back (${reason}): check that nothing removes files there while a job runs`,
              ),
            );
            this.changed();
          },
        );
        return true;
      }
      this.#nextStart += next.count;
      if (!this.#add(next)) return false;
    }
    return true;
  }

  #noteFailures(failures: readonly ItemFailure[]): void {
    if (failures.length === 0) return;
    const noted = failures.map((f): Failure => ({
      index: f.index,
      preview: f.preview,
      task: f.task,
      error: deserializeError(f.error),
      ...(f.file !== undefined && { file: f.file }),
      ...(f.line !== undefined && { line: f.line }),
    }));
    // A stream hands them on in their place; kept here, an endless stream's would pile up.
    if (this.output.failed) this.output.failed(noted);
    else for (const failure of noted) this.failures.push(failure);
  }

  /** Hands a chunk's result to the output; false if that failed (the job has failed with the reason). */
  #add(arrived: Arrived): boolean {
    try {
      this.output.add(arrived.partial, arrived.start, arrived.count);
      return true;
    } catch (error) {
      this.fail(mergeError(this.spec.terminal, arrived, error));
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
    void this.#reordered.clear();
    this.output.fail(error);
  }

  completeIfSettled(): void {
    if (this.finished || this.unsettled > 0) return;
    // A resumed job whose every chunk was done before it: its results are all in the ledger.
    if (this.ordered && (!this.#addInOrder() || this.#readingBack)) return;
    this.finished = true;
    this.output.finish();
  }
}

/**
 * A merge that threw on this thread: the terminal's own function combining chunks' results (a
 * reducer, a combiner) is named as a worker's failure would name it, with the chunk whose result it
 * was adding; weft's own errors pass through.
 */
function mergeError(terminal: Terminal, { start, count, chunk }: Arrived, error: unknown): Error {
  if (error instanceof WeftError) return error;
  const cause = error instanceof Error ? error : new Error(`non-error value thrown: ${String(error)}`);
  const task =
    terminal.op === "reduce"
      ? describeTask(terminal.task)
      : terminal.op === "reduceByKey"
        ? describeTask(terminal.combine)
        : `the ${terminal.op} merge on this thread`;
  return new TaskError(
    {
      task,
      index: start,
      preview: `combining the result of ${chunk ? describeChunkInput(chunk) : `items ${start}..${start + count - 1} (from the job's ledger)`}`,
    },
    cause,
  );
}
