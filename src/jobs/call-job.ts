// The calls made with `submit` for one task: one long-lived job whose chunks settle many futures each.
import { SetupError, TaskError, TimeoutError } from "../errors.ts";
import type { CallFailure, Chunk, JobSpec } from "../protocol/plan.ts";
import { deserializeError, preview } from "../protocol/serialized-errors.ts";
import type { ChunkBounds } from "../scheduler/chunking.ts";
import { decide } from "../scheduler/failure-policy.ts";
import type { RetryPolicy } from "../scheduler/retry.ts";
import { describeTask, type TaskRef } from "../protocol/task-ref.ts";
import { defaultControls, JobBase, type Job } from "./job.ts";
import { CallQueue } from "./source.ts";

export interface Settle {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** One `submit` call: its arguments, its future, and the errors of its attempts so far. */
interface Call {
  readonly args: readonly unknown[];
  readonly settle: Settle;
  readonly policy: RetryPolicy;
  readonly errors: Error[];
}

/** Runs `fn` after `delayMs`, on a timer the pool clears when it closes. */
export type Schedule = (delayMs: number, fn: () => void) => void;

export class CallJob extends JobBase implements Job {
  readonly #waiting: Call[] = [];
  #waitingHead = 0;
  readonly #inChunk = new Map<number, Call[]>();
  readonly #queue: CallQueue;
  readonly #taskName: string;

  constructor(
    id: number,
    task: TaskRef,
    bounds: ChunkBounds,
    readonly schedule: Schedule,
    controls: {
      readonly timeoutMs: number | undefined;
      readonly priority: number;
      readonly concurrency: number;
    },
  ) {
    const queue = new CallQueue();
    const { concurrency } = controls;
    const spec: JobSpec = {
      id,
      stages: [],
      terminal: { op: "call", task },
      ...(concurrency > 1 && { concurrency }),
    };
    super(spec, queue, undefined, { ...defaultControls(bounds), ...controls });
    this.#queue = queue;
    this.#taskName = describeTask(task);
  }

  call(args: readonly unknown[], settle: Settle, policy: RetryPolicy): void {
    this.#enqueue({ args, settle, policy, errors: [] });
  }

  #enqueue(call: Call): void {
    if (this.error) return call.settle.reject(this.error);
    this.#waiting.push(call);
    this.#queue.push(call.args);
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

  settle(chunk: Chunk, partial: unknown): void {
    this.unsettled--;
    const calls = this.#takeCalls(chunk);
    const { values, failures } = partial as { values: unknown[]; failures: CallFailure[] };
    const failed = new Set<number>();
    for (const { offset, error } of failures) {
      failed.add(offset);
      const cause = deserializeError(error);
      // Its worker could not set up a value the task reads: no retry helps, and it is not the task's error.
      if (cause instanceof SetupError) calls[offset]!.settle.reject(cause);
      else this.#retryOrReject(calls[offset]!, chunk.start + offset, cause);
    }
    for (let i = 0; i < calls.length; i++) if (!failed.has(i)) calls[i]!.settle.resolve(values[i]);
  }

  /** A failed call goes back in the queue after its policy's wait, or its future rejects with every attempt's error. */
  #retryOrReject(call: Call, index: number, cause: Error): void {
    call.errors.push(cause);
    const decision = decide({
      kind: cause instanceof TimeoutError ? "timeout" : "task",
      error: cause,
      attempts: call.errors.length,
      crashes: 0,
      policy: call.policy,
      collect: false,
      lastRun: false,
      random: Math.random(),
    });
    if (decision.action === "retry") {
      this.schedule(decision.delayMs, () => this.#enqueue(call));
      return;
    }
    // A deadline is the pool's verdict, not the task's error: it surfaces as itself, as it does for a job.
    if (cause instanceof TimeoutError) return call.settle.reject(cause);
    const error = new TaskError({ task: this.#taskName, index, preview: preview(call.args) }, cause);
    error.attempts = call.errors;
    call.settle.reject(error);
  }

  lose(chunk: Chunk, error: Error): void {
    this.unsettled--;
    const calls = this.#takeCalls(chunk);
    // A call past its deadline is retried under its own policy, like a call that threw.
    if (error instanceof TimeoutError) {
      calls.forEach((call, offset) => this.#retryOrReject(call, chunk.start + offset, error));
    } else for (const call of calls) call.settle.reject(error);
  }

  fail(error: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.error = error;
    for (const calls of this.#inChunk.values()) for (const call of calls) call.settle.reject(error);
    this.#inChunk.clear();
    for (let i = this.#waitingHead; i < this.#waiting.length; i++) this.#waiting[i]!.settle.reject(error);
    this.#waiting.length = 0;
  }

  #takeCalls(chunk: Chunk): Call[] {
    const calls = this.#inChunk.get(chunk.seq) ?? [];
    this.#inChunk.delete(chunk.seq);
    return calls;
  }

  /** Never told: a call job's input never ends, and the job ends only when its pool closes. */
  completeIfSettled(): void {}
}
