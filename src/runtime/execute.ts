// Runs one chunk of a job: the per-item pipeline and the worker-side combine. Shared by every backend.
// Files, sinks and shuffles load their modules when a chunk first needs them: a worker that only
// maps and reduces never loads them, and loading modules is a good part of a worker's start.
import {
  itemAt,
  type CallFailure,
  type Chunk,
  type ChunkOutcome,
  type ItemFailure,
} from "../protocol/plan.ts";
import { preview, serializeError } from "../protocol/serialized-errors.ts";
import { makeCombiner } from "./combiners.ts";
import { ItemLoop } from "./item-loop.ts";
import type { LoadedJob } from "./loaded-job.ts";
import { withSignal } from "./signal.ts";
import { inTraceContext } from "./trace-context.ts";
import { isThenable } from "../protocol/thenable.ts";

export { loadJob, type LoadedJob } from "./loaded-job.ts";

const wallClock = (): number => performance.timeOrigin + performance.now();

/** Runs a chunk to its partial result, or reports the first item that threw; `signal` is what tasks see as {@link taskSignal}. */
export function runChunk(job: LoadedJob, chunk: Chunk, signal: AbortSignal): Promise<ChunkOutcome> {
  return withSignal(signal, () =>
    chunk.trace === undefined ? run(job, chunk) : inTraceContext(chunk.trace, () => run(job, chunk)),
  );
}

async function run(job: LoadedJob, chunk: Chunk): Promise<ChunkOutcome> {
  const startedAt = wallClock();
  const { terminal } = job.spec;
  if (terminal.op === "call") return runCalls(job, chunk, startedAt);
  const sink =
    terminal.op === "write"
      ? await (await import("./files/sink-combiner.ts")).SinkCombiner.open(terminal, chunk.seq)
      : undefined;
  const loop = new ItemLoop(job, sink ?? (await makeCombiner(job)), chunk.skipFailures === true);
  // A sink's (or a shuffle's) disk failing is no item's fault: it fails the chunk as a whole, which runs again.
  const unwritten = (error: unknown): ItemFailure => ({
    task: terminal.op === "shuffle" ? "writing the shuffle's files" : "writing the part file",
    index: chunk.start,
    preview: terminal.op === "write" || terminal.op === "shuffle" ? terminal.directory : "",
    error: serializeError(error),
  });
  // A sink writes what each batch produced before the next is read, so a chunk's output never piles up.
  const flush = async (): Promise<ItemFailure | undefined> => {
    try {
      await sink?.flush();
      return undefined;
    } catch (error) {
      return unwritten(error);
    }
  };
  const { input } = chunk;
  let failure =
    input.kind === "file"
      ? await (
          await import("./files/file-chunk.ts")
        ).runFileChunk(loop, chunk, input.format, input.ranges, flush)
      : input.kind === "partition"
        ? await (await import("./shuffle/partition-chunk.ts")).runPartitionChunk(loop, chunk, input, flush)
        : await loop.run(
            input,
            (offset) => ({ index: chunk.start + offset, preview: preview(itemAt(input, offset)) }),
            chunk.pace,
          );
  failure ??= await flush();
  let partial: unknown;
  if (!failure) {
    try {
      partial = await loop.combiner.result();
    } catch (error) {
      if (terminal.op !== "write" && terminal.op !== "shuffle") throw error;
      failure = unwritten(error);
    }
  }
  if (failure) {
    await loop.combiner.discard?.();
    return { ok: false, failure };
  }
  return { ok: true, partial, failures: loop.failures, startedAt, endedAt: wallClock() };
}

/** `submit` calls: each item is an argument list, and each call settles on its own. */
async function runCalls(job: LoadedJob, chunk: Chunk, startedAt: number): Promise<ChunkOutcome> {
  const fn = job.terminalFns[0]!;
  const passed = job.spec.terminal.op === "call" ? job.spec.terminal.with : undefined;
  const calls = (chunk.input as { items: readonly unknown[][] }).items;
  const values: unknown[] = new Array(calls.length);
  const failures: CallFailure[] = [];
  let next = 0;
  // `concurrency` of these loops take the calls in turn, so up to that many async calls wait at once.
  const takeCalls = async () => {
    for (let offset = next++; offset < calls.length; offset = next++) {
      try {
        const out = passed ? fn(passed, ...calls[offset]!) : fn(...calls[offset]!);
        values[offset] = isThenable(out) ? await out : out;
      } catch (error) {
        failures.push({ offset, error: serializeError(error) });
      }
    }
  };
  const concurrency = Math.min(job.spec.concurrency ?? 1, calls.length);
  if (concurrency <= 1) await takeCalls();
  else await Promise.all(Array.from({ length: concurrency }, takeCalls));
  return { ok: true, partial: { values, failures }, failures: [], startedAt, endedAt: wallClock() };
}
