// Resumable jobs: the plan a job's ledger keeps (its input, and its tasks by the names a cluster
// gives them), the job's input cut down to what the ledger lacks, and the job rebuilt from its plan
// in another process (`pool.resume`, `weft resume`).
import { deserialize, serialize } from "node:v8";
import { OptionError } from "../errors.ts";
import { notResumableTerminal, remainingRuns, type JobLedger } from "../jobs/ledger.ts";
import { ResumedSource } from "../jobs/resumed-source.ts";
import type { Replayable, SeekableSource, Source } from "../jobs/source.ts";
import type { LedgerStore } from "../protocol/ledger.ts";
import type { JobSpec, Stage, TypedArray } from "../protocol/plan.ts";
import type { TaskRef } from "../protocol/task-ref.ts";
import { clusterTaskName, loadNamedTasks } from "../task/named-tasks.ts";
import type { Collection, ErrorPolicy } from "./collection.ts";
import type { JobControls } from "../jobs/job.ts";
import { planDigest } from "./plan-digest.ts";

/** The terminals a ledger can hold: those whose chunks' partials merge into one value here. */
export type PlannedTerminal =
  | { readonly op: "collect" }
  | { readonly op: "count" }
  | { readonly op: "reduce"; readonly task: string; readonly initial?: { readonly value: unknown } }
  | { readonly op: "fold"; readonly zero: unknown; readonly task: string }
  | { readonly op: "reduceByKey"; readonly key: string; readonly value: string; readonly combine: string }
  | { readonly op: "groupBy"; readonly key: string };

/** A resumable job as its ledger keeps it. */
export interface JobPlan {
  readonly version: 1;
  /** What decides the result: a job takes over a ledger only if this is the same. */
  readonly job: {
    readonly input: Replayable;
    readonly stages: readonly { readonly op: Stage["op"]; readonly task: string }[];
    readonly terminal: PlannedTerminal;
    readonly errors: ErrorPolicy;
  };
  /** How it ran, for a resume to run it the same way. */
  readonly run: {
    readonly minChunk: number;
    readonly maxChunk: number;
    readonly retries: number;
    readonly timeoutMs: number | undefined;
    readonly priority: number;
    readonly concurrency: number | undefined;
  };
}

const noStore =
  "a resumable job keeps its ledger in a cluster's Redis, so that another process can finish it: run it on a pool made with weft({ redis })";

/** The ledger store a resumable job uses, and its source as one it can seek in; throws if it cannot have a ledger. */
export function ledgerStoreFor(
  source: Source,
  store: LedgerStore | undefined,
): { store: LedgerStore; source: SeekableSource } {
  if (!store) throw new OptionError(noStore);
  if (!isSeekable(source)) {
    throw new OptionError(
      "a resumable job's input must be one another process can read again: a range, an array or a typed array (an iterable is read once, and files are not resumable yet)",
    );
  }
  return { store, source };
}

function isSeekable(source: Source): source is SeekableSource {
  return source.replay !== undefined && "seek" in source;
}

/** The plan of a job about to run, with its tasks named as a cluster names them. */
export function planOf(
  spec: JobSpec,
  source: SeekableSource,
  controls: Omit<JobControls, "taskRetries">,
  initial: { readonly value: unknown } | undefined,
): JobPlan {
  const terminal = spec.terminal;
  let planned: PlannedTerminal;
  switch (terminal.op) {
    case "collect":
    case "count":
      planned = { op: terminal.op };
      break;
    case "reduce":
      planned = { op: "reduce", task: nameOf(terminal.task), ...(initial && { initial }) };
      break;
    case "fold":
      planned = { op: "fold", zero: terminal.zero, task: nameOf(terminal.task) };
      break;
    case "reduceByKey":
      planned = {
        op: "reduceByKey",
        key: nameOf(terminal.key),
        // The collection's reduceByKey always has a value function.
        value: nameOf(terminal.value!),
        combine: nameOf(terminal.combine),
      };
      break;
    case "groupBy":
      planned = { op: "groupBy", key: nameOf(terminal.key) };
      break;
    default:
      throw notResumableTerminal(`a job ending in ${terminal.op}`);
  }
  return {
    version: 1,
    job: {
      input: source.replay,
      stages: spec.stages.map((stage) => ({ op: stage.op, task: nameOf(stage.task) })),
      terminal: planned,
      errors: controls.errors,
    },
    run: {
      minChunk: controls.bounds.minChunk,
      maxChunk: controls.bounds.maxChunk,
      retries: controls.retry.retries,
      timeoutMs: controls.timeoutMs,
      priority: controls.priority,
      concurrency: controls.concurrency,
    },
  };
}

function nameOf(ref: TaskRef): string {
  if (ref.kind !== "module")
    throw new OptionError("a resumable job's tasks must come from modules, not inline");
  return clusterTaskName(ref.url, ref);
}

/**
 * Takes the ledger `name` for the job: the chunks it holds count as done, and the job runs only the
 * items they leave out. Resolves with the source to run and what the job keeps its chunks with.
 */
export async function openLedger(
  store: LedgerStore,
  name: string,
  plan: JobPlan,
  source: SeekableSource,
  total: number,
): Promise<{ source: Source; ledger: JobLedger }> {
  const bytes = serialize(plan);
  const digest = planDigest(plan.job);
  const earlier = await store.claim(name, bytes, digest);
  const ledger = { earlier, record: store.record.bind(store, name) };
  if (earlier.length === 0) return { source, ledger };
  return { source: new ResumedSource(source, remainingRuns(total, earlier)), ledger };
}

/** What `pool.resume` makes collections with. */
export interface CollectionMaker {
  range(from: number, to: number, step?: number): Collection<number>;
  from(input: readonly unknown[] | TypedArray): Collection<unknown>;
}

/** A resumed job's result, and how much of it its ledger held. */
export interface Resumed {
  readonly result: unknown;
  /** Input items the job has. */
  readonly items: number;
  /** Items whose chunks were done before the resume, and were not run again. */
  readonly done: number;
}

/**
 * Finishes the job kept under `name`: its plan is read from the ledger, its tasks are found by name
 * in `modules` (the task modules the cluster's workers run: nothing that comes from Redis is run as
 * code), and it runs as any resumable job does, skipping what the ledger holds.
 */
export async function resumeJob(
  pool: CollectionMaker,
  store: LedgerStore | undefined,
  name: string,
  modules: readonly string[],
): Promise<Resumed> {
  if (!store) throw new OptionError(noStore);
  const kept = await store.read(name);
  if (!kept) {
    throw new OptionError(
      `no job named "${name}" is kept in this cluster's ledgers: it finished (its ledger goes when its result is delivered), or it never ran under that name on this Redis and prefix`,
    );
  }
  const plan = deserialize(kept.plan) as JobPlan;
  if ((plan.version as unknown) !== 1)
    throw new OptionError(
      `the job "${name}" was kept by another version of weft (plan version ${String(plan.version)})`,
    );
  const tasks = await loadNamedTasks(modules);
  const task = (taskName: string) => {
    const found = tasks.get(taskName);
    if (found) return found.fn as (...args: unknown[]) => never;
    throw new OptionError(
      `the job "${name}" runs the task ${taskName}, which the modules given do not define (they define ${[...tasks.keys()].join(", ")}): give the task modules its cluster's workers run`,
    );
  };
  const { input, stages, terminal, errors } = plan.job;
  let collection: Collection<unknown> =
    input.kind === "range"
      ? (pool.range(input.from, input.to, input.step) as Collection<unknown>)
      : pool.from(input.kind === "items" ? input.items : input.array);
  const items =
    input.kind === "range"
      ? Math.max(0, Math.ceil((input.to - input.from) / input.step))
      : input.kind === "items"
        ? input.items.length
        : input.array.length;
  for (const stage of stages) {
    const fn = task(stage.task);
    const next =
      stage.op === "map"
        ? collection.map(fn)
        : stage.op === "filter"
          ? collection.filter(fn)
          : collection.flatMap(fn);
    collection = next as Collection<unknown>;
  }
  const { run } = plan;
  const ready: Collection<unknown, ErrorPolicy> = collection
    .chunks({ minChunk: run.minChunk, maxChunk: run.maxChunk })
    .options({
      resumable: name,
      errors,
      retries: run.retries,
      priority: run.priority,
      ...(run.timeoutMs !== undefined && { timeout: run.timeoutMs }),
      ...(run.concurrency !== undefined && { concurrency: run.concurrency }),
    });
  const result = await runTerminal(ready, terminal, task, name);
  return { result, items, done: kept.done };
}

function runTerminal(
  collection: Collection<unknown, ErrorPolicy>,
  terminal: PlannedTerminal,
  task: (name: string) => (...args: unknown[]) => never,
  name: string,
): Promise<unknown> {
  switch (terminal.op) {
    case "collect":
      return collection.collect();
    case "count":
      return collection.count();
    case "reduce":
      return terminal.initial
        ? collection.reduce(task(terminal.task), terminal.initial.value)
        : collection.reduce(task(terminal.task));
    case "reduceByKey":
      return collection.reduceByKey(task(terminal.key), task(terminal.value), task(terminal.combine));
    case "groupBy":
      return collection.groupBy(task(terminal.key));
    case "fold":
      throw new OptionError(
        `the job "${name}" is a fold, whose merge function lives in its program, not in a task module: run the program again, with the same resumable name, to finish it`,
      );
  }
}
