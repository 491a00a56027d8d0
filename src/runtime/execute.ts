// Runs one chunk of a job: the per-item pipeline and the worker-side combine. Shared by every backend.
import type { CallFailure, Chunk, ChunkInput, ChunkOutcome, ItemFailure } from "../protocol/plan.ts";
import { describeTask, taskKey, type TaskRef } from "../protocol/task-ref.ts";
import { makeCombiner } from "./combiners.ts";
import { preview, serializeError } from "../protocol/serialized-errors.ts";
import type { LoopState } from "./fast-loop.ts";
import type { LoadedJob } from "./loaded-job.ts";
import { Pipeline } from "./pipeline.ts";
import { withSignal } from "./signal.ts";
import { isThenable } from "../protocol/thenable.ts";

export { loadJob, type LoadedJob } from "./loaded-job.ts";

const wallClock = (): number => performance.timeOrigin + performance.now();

function itemAt(input: ChunkInput, offset: number): unknown {
  if (input.kind === "items") return input.items[offset];
  if (input.kind === "range") return input.origin + (input.first + offset) * input.step;
  return input.array[offset];
}

/** Runs a chunk to its partial result, or reports the first item that threw; `signal` is what tasks see as {@link taskSignal}. */
export function runChunk(job: LoadedJob, chunk: Chunk, signal: AbortSignal): Promise<ChunkOutcome> {
  return withSignal(signal, () => run(job, chunk));
}

async function run(job: LoadedJob, chunk: Chunk): Promise<ChunkOutcome> {
  const startedAt = wallClock();
  if (job.spec.terminal.op === "call") return runCalls(job, chunk, startedAt);
  const { stages, prefix } = job;
  const combiner = makeCombiner(job);
  const pipeline = new Pipeline(stages, combiner);
  // The combiner's own function, not a wrapper shared by every job, so its call site in the
  // generated loop stays monomorphic (for the terminals the loop does not run inline).
  const rest = prefix === stages.length ? combiner.add : (v: unknown) => pipeline.advance(v, prefix);
  const state: LoopState = { stage: 0, pending: undefined, value: undefined, offset: 0 };
  const failures: ItemFailure[] = [];
  let failedInLoop = true;
  let from = 0;
  for (;;) {
    try {
      failedInLoop = true;
      const paused = job.fastLoop(chunk.input, from, combiner, rest, state);
      if (paused < 0) break;
      // An item went async: finish it through the general pipeline, then go back to the fast loop.
      failedInLoop = false;
      state.offset = paused;
      const pending = state.pending!;
      if (state.stage < prefix) {
        const stage = stages[state.stage]!;
        pipeline.failingTask = stage.ref;
        const next = pipeline.afterStage(stage.op, await pending, state.value, state.stage);
        if (next) await next;
      } else {
        if (prefix === stages.length) pipeline.failingTask = combiner.task;
        const resolved = await pending;
        // A reducer the loop ran inline went async: what it resolved with is the new accumulator.
        if (job.inlineTerminal) combiner.accept(resolved);
      }
      from = paused + 1;
    } catch (error) {
      let task: TaskRef | undefined = pipeline.failingTask;
      if (failedInLoop && state.stage < prefix) task = stages[state.stage]!.ref;
      else if (failedInLoop && prefix === stages.length) task = combiner.task;
      const failure: ItemFailure = {
        task: task ? describeTask(task) : "(combine)",
        ...(task && { taskKey: taskKey(task) }),
        index: chunk.start + state.offset,
        preview: preview(itemAt(chunk.input, state.offset)),
        error: serializeError(error),
      };
      if (!chunk.skipFailures) return { ok: false, failure };
      // The chunk's last attempt under the `collect` policy: note the item and go on with the next.
      failures.push(failure);
      from = state.offset + 1;
    }
  }
  return { ok: true, partial: combiner.result(), failures, startedAt, endedAt: wallClock() };
}

/** `submit` calls: each item is an argument list, and each call settles on its own. */
async function runCalls(job: LoadedJob, chunk: Chunk, startedAt: number): Promise<ChunkOutcome> {
  const fn = job.terminalFns[0]!;
  const calls = (chunk.input as { items: readonly unknown[][] }).items;
  const values: unknown[] = new Array(calls.length);
  const failures: CallFailure[] = [];
  for (let offset = 0; offset < calls.length; offset++) {
    try {
      const out = fn(...calls[offset]!);
      values[offset] = isThenable(out) ? await out : out;
    } catch (error) {
      failures.push({ offset, error: serializeError(error) });
    }
  }
  return { ok: true, partial: { values, failures }, failures: [], startedAt, endedAt: wallClock() };
}
