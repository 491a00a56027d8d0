// Runs the items of a chunk through its stages into its combiner, one input at a time: the
// generated loop, async steps finished through the general pipeline, and each item that throws
// either ending the chunk or, on its last attempt under `errors: "collect"`, set aside.
import { inputLength, itemAt, type ChunkInput, type ItemFailure, type Pace } from "../protocol/plan.ts";
import { serializeError } from "../protocol/serialized-errors.ts";
import { describeTask, taskKey, type TaskRef } from "../protocol/task-ref.ts";
import type { Combiner } from "./combiners.ts";
import { newLoopState, settleAccumulator } from "./fast-loop.ts";
import type { LoadedJob } from "./loaded-job.ts";
import { Pipeline } from "./pipeline.ts";

/** Where an item sits, for its error: its index in the job's input, a preview, and its file and line if read from one. */
export interface ItemPlace {
  readonly index: number;
  readonly preview: string;
  readonly file?: string;
  readonly line?: number;
}

type ItemsInput = Exclude<ChunkInput, { kind: "file" | "partition" }>;

/** An item running alongside others: what it has produced so far, and when it is done. */
interface InFlight {
  readonly offset: number;
  readonly outputs: unknown[];
  readonly pipeline: Pipeline;
  readonly done: Promise<unknown>;
}

export class ItemLoop {
  readonly combiner: Combiner;
  /** Items set aside so far (only when `skipFailures`). */
  readonly failures: ItemFailure[] = [];
  readonly #pipeline: Pipeline;

  constructor(
    readonly job: LoadedJob,
    combiner: Combiner,
    readonly skipFailures: boolean,
  ) {
    this.combiner = combiner;
    this.#pipeline = new Pipeline(job.stages, this.combiner);
  }

  /**
   * Runs every item of `input`; `place(offset)` says where item `offset` sits, asked only when it
   * fails. Resolves with the failure that ends the chunk, or undefined when the chunk goes on.
   */
  async run(
    input: ChunkInput,
    place: (offset: number) => ItemPlace | Promise<ItemPlace>,
    pace?: Pace,
  ): Promise<ItemFailure | undefined> {
    const concurrency = this.job.spec.concurrency ?? 1;
    if (concurrency > 1 || pace) return this.#runConcurrently(input as ItemsInput, place, concurrency, pace);
    const { job, combiner } = this;
    const { stages } = job;
    const pipeline = this.#pipeline;
    const state = newLoopState();
    let failedInLoop = true;
    let from = 0;
    for (;;) {
      try {
        failedInLoop = true;
        // The combiner's own function, not a wrapper shared by every job, so its call site in the
        // generated loop stays monomorphic (for the terminals the loop does not run inline).
        const paused = job.fastLoop(input, from, combiner, combiner.add, state);
        if (paused < 0) return undefined;
        // An item went async: finish it through the general pipeline, then go back to the fast loop.
        failedInLoop = false;
        state.offset = paused;
        const { pending, resume } = state;
        state.resume = undefined;
        if (state.stage < stages.length) {
          const stage = stages[state.stage]!;
          pipeline.failingTask = stage.ref;
          const next = pipeline.afterStage(stage.op, await pending, state.value, state.stage);
          if (next) await next;
        } else {
          pipeline.failingTask = combiner.task;
          const resolved = await pending;
          // A reducer the loop ran inline went async: what it resolved with is the new accumulator.
          if (job.inlineTerminal) combiner.accept(resolved);
        }
        // Then the outputs of the flatMaps it paused inside, innermost first.
        for (const { values, from: at, iterator, next } of resume ?? []) {
          const rest = iterator ? pipeline.eachLeft(iterator, next) : pipeline.eachOf(values, at, next);
          if (rest) await rest;
        }
        from = paused + 1;
      } catch (error) {
        settleAccumulator(state, combiner);
        let task: TaskRef | undefined = pipeline.failingTask;
        if (failedInLoop) task = state.stage < stages.length ? stages[state.stage]!.ref : combiner.task;
        const failure = await itemFailure(task, place(state.offset), error);
        if (this.endsChunk(failure)) return failure;
        from = state.offset + 1;
      }
    }
  }

  /**
   * Runs up to `limit` items through the stages at once, so async tasks overlap their waits, and
   * hands each item's outputs to the combiner in input order: the result is the one-at-a-time
   * result. An item that fails is reported once every item before it has been combined. Under a
   * `pace`, no item starts before its slot.
   */
  async #runConcurrently(
    input: ItemsInput,
    place: (offset: number) => ItemPlace | Promise<ItemPlace>,
    limit: number,
    pace: Pace | undefined,
  ): Promise<ItemFailure | undefined> {
    const count = inputLength(input);
    const slots = pace && new Slots(pace);
    const { stages } = this.job;
    const { combiner } = this;
    const running: InFlight[] = [];
    const start = (offset: number): InFlight => {
      const outputs: unknown[] = [];
      const sink = { add: (value: unknown) => void outputs.push(value), task: combiner.task } as Combiner;
      const pipeline = new Pipeline(stages, sink);
      // A task that throws at once rejects `done` like one that fails later.
      const done = new Promise((resolve) => resolve(pipeline.advance(itemAt(input, offset), 0)));
      // Awaited in input order below; until then its failure is not unhandled.
      done.catch(() => {});
      return { offset, outputs, pipeline, done };
    };
    let next = 0;
    while (next < count || running.length > 0) {
      while (next < count && running.length < limit) {
        if (slots) await slots.waitFor(next);
        running.push(start(next++));
      }
      const head = running.shift()!;
      let failing: TaskRef | undefined;
      try {
        await head.done;
        failing = combiner.task;
        for (const value of head.outputs) {
          const pending = combiner.add(value);
          if (pending) await pending;
        }
      } catch (error) {
        const failure = await itemFailure(failing ?? head.pipeline.failingTask, place(head.offset), error);
        if (this.endsChunk(failure)) return failure;
      }
    }
    return undefined;
  }

  /**
   * Whether an item's failure ends the chunk: it does, except on the chunk's last attempt under
   * `collect`, where the item is set aside and the chunk goes on.
   */
  endsChunk(failure: ItemFailure): boolean {
    if (!this.skipFailures) return true;
    this.failures.push(failure);
    return false;
  }
}

/** An item's failure as it travels: the task that threw (none: the combine), where the item sits, the error. */
async function itemFailure(
  task: TaskRef | undefined,
  place: ItemPlace | Promise<ItemPlace>,
  error: unknown,
): Promise<ItemFailure> {
  return {
    task: task ? describeTask(task) : "(combine)",
    ...(task && { taskKey: taskKey(task) }),
    ...(await place),
    error: serializeError(error),
  };
}

/** The start times a paced chunk's items keep to. */
class Slots {
  #last = -Infinity;

  constructor(readonly pace: Pace) {}

  /** Resolves when item `offset` may start: at its slot, and an interval after the item before it. */
  async waitFor(offset: number): Promise<void> {
    const { startAt, intervalMs } = this.pace;
    const at = Math.max(startAt + offset * intervalMs, this.#last + intervalMs);
    const wait = at - wallClock();
    // Timers fire in whole milliseconds: items due sooner than that start now, and the spacing catches up.
    if (wait >= 1) await new Promise((resolve) => setTimeout(resolve, wait));
    this.#last = Math.max(at, wallClock());
  }
}

/** Milliseconds since the epoch, to the fraction: the clock the pool set the slots by. */
const wallClock = (): number => performance.timeOrigin + performance.now();
