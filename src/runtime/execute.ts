// Runs one chunk of a job: the fused per-item pipeline and the worker-side combine. Shared by every backend.
import {
  inputLength,
  type Chunk,
  type ChunkInput,
  type ChunkOutcome,
  type JobSpec,
  type Stage,
  type Terminal,
  type CallFailure,
} from "../plan/plan.ts";
import { loadTask } from "../task/load.ts";
import { describeTask, type TaskRef } from "../task/task-ref.ts";
import { preview, serializeError } from "./errors.ts";

type Fn = (...args: unknown[]) => unknown;

interface LoadedStage {
  readonly op: Stage["op"];
  readonly fn: Fn;
  readonly ref: TaskRef;
}

/** A job whose task functions are loaded, ready to run chunks. */
export interface LoadedJob {
  readonly spec: JobSpec;
  readonly stages: readonly LoadedStage[];
  readonly terminalFns: readonly Fn[];
}

export async function loadJob(spec: JobSpec): Promise<LoadedJob> {
  const stages = await Promise.all(
    spec.stages.map(async (s) => ({ op: s.op, ref: s.task, fn: await loadTask(s.task) })),
  );
  const terminalFns = await Promise.all(terminalTasks(spec.terminal).map((ref) => loadTask(ref)));
  return { spec, stages, terminalFns };
}

function terminalTasks(terminal: Terminal): TaskRef[] {
  switch (terminal.op) {
    case "collect":
    case "count":
      return [];
    case "reduce":
    case "fold":
    case "call":
      return [terminal.task];
    case "reduceByKey":
      return terminal.value
        ? [terminal.key, terminal.combine, terminal.value]
        : [terminal.key, terminal.combine];
    case "groupBy":
      return [terminal.key];
  }
}

const wallClock = (): number => performance.timeOrigin + performance.now();

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}

function itemReader(input: ChunkInput): (offset: number) => unknown {
  switch (input.kind) {
    case "items":
      return (offset) => input.items[offset];
    case "range":
      return (offset) => input.from + offset * input.step;
    case "typed":
      return (offset) => input.array[offset];
  }
}

/** Runs a chunk to its partial result, or reports the first item that threw. */
export async function runChunk(job: LoadedJob, chunk: Chunk): Promise<ChunkOutcome> {
  const startedAt = wallClock();
  if (job.spec.terminal.op === "call") return runCalls(job, chunk, startedAt);
  const read = itemReader(chunk.input);
  const count = inputLength(chunk.input);
  const combiner = makeCombiner(job);
  const stages = job.stages;
  const last = stages.length;
  let failingTask: TaskRef | undefined;
  let offset = 0;

  // Each call returns undefined when everything ran synchronously, a promise only when a task was async.
  const advance = (value: unknown, from: number): PromiseLike<unknown> | undefined => {
    for (let i = from; i < last; i++) {
      const stage = stages[i]!;
      failingTask = stage.ref;
      const out = stage.fn(value);
      if (isThenable(out)) return out.then((resolved) => afterStage(stage.op, resolved, value, i));
      if (stage.op === "map") value = out;
      else if (stage.op === "filter") {
        if (!out) return undefined;
      } else return each(out, i + 1);
    }
    failingTask = combiner.task;
    return combiner.add(value);
  };
  const afterStage = (op: Stage["op"], out: unknown, value: unknown, i: number) =>
    op === "map"
      ? advance(out, i + 1)
      : op === "filter"
        ? out
          ? advance(value, i + 1)
          : undefined
        : each(out, i + 1);
  const each = (values: unknown, next: number): PromiseLike<unknown> | undefined => {
    const iterator = (values as Iterable<unknown>)[Symbol.iterator]();
    const loop = (): PromiseLike<unknown> | undefined => {
      for (let step = iterator.next(); !step.done; step = iterator.next()) {
        const pending = advance(step.value, next);
        if (pending) return pending.then(loop);
      }
      return undefined;
    };
    return loop();
  };

  try {
    for (; offset < count; offset++) {
      const pending = advance(read(offset), 0);
      if (pending) await pending;
    }
  } catch (error) {
    const where = failingTask ? describeTask(failingTask) : "(combine)";
    return {
      ok: false,
      failure: {
        task: where,
        index: chunk.start + offset,
        preview: preview(read(offset)),
        error: serializeError(error),
      },
    };
  }
  return { ok: true, partial: combiner.result(), startedAt, endedAt: wallClock() };
}

interface Combiner {
  readonly task: TaskRef | undefined;
  add(value: unknown): PromiseLike<unknown> | undefined;
  result(): unknown;
}

/** The worker-side half of each terminal: folds a chunk's outputs into one partial. */
function makeCombiner(job: LoadedJob): Combiner {
  const terminal = job.spec.terminal;
  const [first, second, third] = job.terminalFns;
  switch (terminal.op) {
    case "collect": {
      const values: unknown[] = [];
      return { task: undefined, add: (v) => void values.push(v), result: () => values };
    }
    case "count": {
      let n = 0;
      return { task: undefined, add: () => void n++, result: () => n };
    }
    case "reduce": {
      let has = false;
      let acc: unknown;
      return {
        task: terminal.task,
        add(v) {
          if (!has) {
            has = true;
            acc = v;
            return undefined;
          }
          const out = first!(acc, v);
          if (isThenable(out)) return out.then((r) => void (acc = r));
          acc = out;
          return undefined;
        },
        result: () => (has ? { has, value: acc } : { has }),
      };
    }
    case "fold": {
      let acc = structuredClone(terminal.zero);
      return {
        task: terminal.task,
        add(v) {
          const out = first!(acc, v);
          if (isThenable(out)) return out.then((r) => void (acc = r));
          acc = out;
          return undefined;
        },
        result: () => acc,
      };
    }
    case "reduceByKey": {
      const groups = new Map<unknown, unknown>();
      const key = first!;
      const combine = second!;
      const value = third;
      return {
        task: terminal.key,
        add(v) {
          const k = key(v);
          const x = value ? value(v) : v;
          groups.set(k, groups.has(k) ? combine(groups.get(k), x) : x);
          return undefined;
        },
        result: () => groups,
      };
    }
    case "groupBy": {
      const groups = new Map<unknown, unknown[]>();
      return {
        task: terminal.key,
        add(v) {
          const k = first!(v);
          const group = groups.get(k);
          if (group) group.push(v);
          else groups.set(k, [v]);
          return undefined;
        },
        result: () => groups,
      };
    }
    case "call":
      throw new Error("unreachable: calls are run by runCalls");
  }
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
  return { ok: true, partial: { values, failures }, startedAt, endedAt: wallClock() };
}
