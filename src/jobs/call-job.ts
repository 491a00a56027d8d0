// The calls made with `submit` for one task: one long-lived job whose chunks settle many futures each.
import { TaskError } from "../errors.ts";
import type { Chunk, ChunkOutcome, JobSpec, CallFailure } from "../plan/plan.ts";
import { deserializeError, preview } from "../runtime/errors.ts";
import { describeTask, type TaskRef } from "../task/task-ref.ts";
import type { ChunkBounds } from "../scheduler/chunking.ts";
import { JobBase, type Job } from "./job.ts";
import { CallQueue } from "./source.ts";

export interface Settle {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export class CallJob extends JobBase implements Job {
  readonly #waiting: Settle[] = [];
  #waitingHead = 0;
  readonly #inChunk = new Map<number, Settle[]>();
  readonly #queue: CallQueue;
  readonly #taskName: string;

  constructor(id: number, task: TaskRef, bounds: ChunkBounds) {
    const queue = new CallQueue();
    const spec: JobSpec = { id, stages: [], terminal: { op: "call", task } };
    super(spec, queue, bounds, undefined);
    this.#queue = queue;
    this.#taskName = describeTask(task);
  }

  call(args: readonly unknown[], settle: Settle): void {
    if (this.error) return settle.reject(this.error);
    this.#waiting.push(settle);
    this.#queue.push(args);
  }

  override take(size: number): Chunk {
    const chunk = super.take(size);
    this.#inChunk.set(chunk.seq, this.#waiting.slice(this.#waitingHead, this.#waitingHead + size));
    this.#waitingHead += size;
    if (this.#waitingHead > 4096 && this.#waitingHead * 2 > this.#waiting.length) {
      this.#waiting.splice(0, this.#waitingHead);
      this.#waitingHead = 0;
    }
    return chunk;
  }

  settle(chunk: Chunk, outcome: ChunkOutcome): void {
    this.inFlight--;
    const settles = this.#takeSettles(chunk);
    if (!outcome.ok) {
      // A call job never sees item failures: each call's error travels in the partial.
      const error = deserializeError(outcome.failure.error);
      for (const s of settles) s.reject(error);
      return;
    }
    const { values, failures } = outcome.partial as { values: unknown[]; failures: CallFailure[] };
    const failed = new Set<number>();
    const args = chunk.input.kind === "items" ? chunk.input.items : [];
    for (const { offset, error } of failures) {
      failed.add(offset);
      const where = { task: this.#taskName, index: chunk.start + offset, preview: preview(args[offset]) };
      settles[offset]!.reject(new TaskError(where, deserializeError(error)));
    }
    for (let i = 0; i < settles.length; i++) if (!failed.has(i)) settles[i]!.resolve(values[i]);
  }

  lose(chunk: Chunk, error: Error): void {
    this.inFlight--;
    for (const s of this.#takeSettles(chunk)) s.reject(error);
  }

  fail(error: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.error = error;
    for (const settles of this.#inChunk.values()) for (const s of settles) s.reject(error);
    this.#inChunk.clear();
    for (let i = this.#waitingHead; i < this.#waiting.length; i++) this.#waiting[i]!.reject(error);
    this.#waiting.length = 0;
  }

  #takeSettles(chunk: Chunk): Settle[] {
    const settles = this.#inChunk.get(chunk.seq) ?? [];
    this.#inChunk.delete(chunk.seq);
    return settles;
  }

  /** A call job ends only when its pool closes. */
  protected completeIfDone(): void {}
}
