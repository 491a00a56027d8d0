// Collections: a lazy chain of per-item steps over an input, run as one job when a terminal is called.
import type { Job, JobControls } from "../jobs/job.ts";
import { CollectionJob, type Failure, type Output } from "../jobs/collection-job.ts";
import {
  collectMerge,
  countMerge,
  foldMerge,
  groupByMerge,
  reduceByKeyMerge,
  reduceMerge,
  type Merge,
} from "../jobs/merge.ts";
import { mergeOutput, StreamOutput } from "../jobs/outputs.ts";
import { openSink, type WriteSummary } from "../jobs/sink-output.ts";
import type { SinkFormat } from "../protocol/files.ts";
import { filesNotShared } from "./file-inputs.ts";
import type { Source } from "../jobs/source.ts";
import { OptionError } from "../errors.ts";
import { positiveInteger, resolveBounds } from "./options.ts";
import type { ChunkBounds } from "../scheduler/chunking.ts";
import { resolveTask } from "../task/resolve.ts";
import { resolveRetry, type RetryOption, type RetryPolicy } from "../scheduler/retry.ts";
import { taskRetryOf, type TaskLike } from "../task/task.ts";
import { taskKey, type TaskRef } from "../protocol/task-ref.ts";
import type { Stage, Terminal } from "../protocol/plan.ts";

/** What a collection needs from its pool. */
export interface JobRunner {
  readonly acceptsInline: boolean;
  readonly workers: number;
  /** Whether the workers see this machine's files, so they can read a file source and write a sink. */
  readonly sharesFiles: boolean;
  nextJobId(): number;
  start(job: Job): void;
  setPaused(jobId: number, paused: boolean): void;
  cancel(job: Job, error: Error): void;
}

/** A fresh source for each run of the collection; a file source is planned (its files found and cut) on each run. */
export type SourceFactory = () =>
  { source: Source; total: number | undefined } | Promise<{ source: Source; total: number | undefined }>;

interface PendingStage {
  readonly op: Stage["op"];
  readonly fn: unknown;
}

/**
 * What a job does when an item keeps failing: `fail-fast` rejects the job with the first error;
 * `collect` finishes the job without the failed items and returns them beside the result.
 */
export type ErrorPolicy = "fail-fast" | "collect";

/** A result under the `collect` policy: the terminal's value over the items that succeeded, and the failures by index. */
export interface Settled<R> {
  readonly result: R;
  readonly failures: readonly Failure[];
}

/** A terminal's result type: the value itself, or a {@link Settled} under the `collect` policy. */
export type Outcome<R, E extends ErrorPolicy> = E extends "collect" ? Settled<R> : R;

function errorPolicy(value: unknown): ErrorPolicy {
  if (value === "fail-fast" || value === "collect") return value;
  throw new OptionError(`errors must be "fail-fast" or "collect", got ${JSON.stringify(value)}`);
}

/** Per-job options: see {@link Collection.options}. */
export interface JobOptions<P extends ErrorPolicy = ErrorPolicy> {
  /**
   * `collect` finishes the job around items that still fail after their retries; the terminal
   * then resolves with `{ result, failures }`. Streaming is always fail-fast.
   * @default "fail-fast"
   */
  readonly errors?: P;
  /** Retries for items that throw: a count, or a policy with backoff and a predicate. @default 0 */
  readonly retries?: RetryOption;
  /** Cancels the job when it aborts. */
  readonly signal?: AbortSignal;
  /**
   * The longest one chunk may run, in ms. Past it the chunk's `taskSignal()` fires; a task that
   * does not stop within the pool's `graceMs` has its worker ended and replaced. The chunk then
   * fails with a TimeoutError, retried under `retries`. Expensive items run one per chunk, so for
   * them this is a per-item deadline; `.chunks({ maxChunk: 1 })` makes it one for every item.
   * The sequential backend can only ask a task to stop, not force it.
   */
  readonly timeout?: number;
}

/** Chunks a reader may fall behind before a stream stops sending work. */
const streamHighWater = 4;

/**
 * A distributed collection. Steps (`map`, `filter`, `flatMap`) are lazy and run fused on the
 * workers; a terminal (`collect`, `count`, `reduce`, `reduceByKey`, ...) runs the job. Each
 * function is a {@link task} from a module or, on local backends, a self-contained inline function.
 *
 * @example
 * const primes = await pool.range(2, 1_000_000).filter(isPrime).count();
 */
export class Collection<T, E extends ErrorPolicy = "fail-fast"> implements AsyncIterable<T> {
  /** @internal Collections come from `pool.from` and `pool.range`. */
  constructor(
    private readonly runner: JobRunner,
    private readonly makeSource: SourceFactory,
    private readonly stages: readonly PendingStage[],
    /** Without the tasks' own retry policies: those are read when the tasks resolve, as the job starts. */
    private readonly controls: Omit<JobControls, "taskRetries">,
  ) {}

  #then<R>(op: Stage["op"], fn: unknown): Collection<R, E> {
    return new Collection<R, E>(this.runner, this.makeSource, [...this.stages, { op, fn }], this.controls);
  }

  /** Applies `fn` to every item. An async `fn` is awaited on the worker. */
  map<R>(fn: TaskLike<[T], R>): Collection<Awaited<R>, E> {
    return this.#then("map", fn);
  }

  /** Keeps the items for which `fn` returns a truthy value. */
  filter(fn: TaskLike<[T], unknown>): Collection<T, E> {
    return this.#then("filter", fn);
  }

  /** Replaces every item by the items of the iterable `fn` returns. */
  flatMap<R>(fn: TaskLike<[T], Iterable<R>>): Collection<R, E> {
    return this.#then("flatMap", fn);
  }

  /**
   * Sets this job's chunk size bounds, in input items (overriding the pool's).
   * `minChunk` batches cheap items; `maxChunk` keeps expensive ones apart.
   */
  chunks(bounds: Partial<ChunkBounds>): Collection<T, E> {
    const controls = { ...this.controls, bounds: resolveBounds(bounds, this.controls.bounds) };
    return new Collection<T, E>(this.runner, this.makeSource, this.stages, controls);
  }

  /**
   * Sets how this job handles failure: `retries` for items that throw (a number, or a policy with
   * backoff and a predicate; a task's own `retries` wins for that task), and a `signal` that
   * cancels the job: it then rejects with an AbortError and the pool stays usable.
   *
   * @example
   * await pool.from(urls).map(fetchPage).options({ retries: 3, signal: AbortSignal.timeout(60_000) }).collect();
   */
  options<P extends ErrorPolicy = E>(options: JobOptions<P>): Collection<T, P> {
    const controls = {
      ...this.controls,
      retry: options.retries === undefined ? this.controls.retry : resolveRetry(options.retries),
      signal: options.signal ?? this.controls.signal,
      timeoutMs:
        options.timeout === undefined ? this.controls.timeoutMs : positiveInteger("timeout", options.timeout),
      errors: options.errors === undefined ? this.controls.errors : errorPolicy(options.errors),
    };
    return new Collection<T, P>(this.runner, this.makeSource, this.stages, controls);
  }

  /** All items, in input order. */
  collect(): Promise<Outcome<T[], E>> {
    return this.#run({ op: "collect" }, collectMerge() as Merge<T[]>);
  }

  /** The number of items. */
  count(): Promise<Outcome<number, E>> {
    return this.#run({ op: "count" }, countMerge());
  }

  /** Runs the steps for their effects (and `fn` on every item, if given), discarding the items. */
  async forEach(fn?: TaskLike<[T], unknown>): Promise<Outcome<undefined, E>> {
    const counted = (await (fn ? this.map(fn) : this).count()) as number | Settled<number>;
    return (typeof counted === "number" ? undefined : { ...counted, result: undefined }) as Outcome<
      undefined,
      E
    >;
  }

  /**
   * Combines all items with `fn`, which must be associative: each worker reduces its chunk and
   * only the partials travel, and `fn` then combines the partials on this thread. Without
   * `initial`, an empty collection rejects with EmptyReduceError.
   */
  async reduce(fn: TaskLike<[T, T], T>, ...initial: [] | [T]): Promise<Outcome<T, E>> {
    const task = await this.#ref(fn);
    const start = initial.length > 0 ? { value: initial[0] } : undefined;
    return this.#run({ op: "reduce", task }, reduceMerge(fn as never, start) as Merge<T>, [fn]);
  }

  /**
   * Accumulates items into a value of another type: every chunk starts from `zero` and adds its
   * items with `add` on the worker (which may be async); `merge` (on this thread) combines the
   * chunks' accumulators. `zero` must be an identity of `merge` and cloneable.
   */
  async fold<A>(
    zero: A,
    add: TaskLike<[A, T], A | PromiseLike<A>>,
    merge: (a: A, b: A) => A,
  ): Promise<Outcome<A, E>> {
    const task = await this.#ref(add);
    return this.#run({ op: "fold", zero, task }, foldMerge(zero, merge as never) as Merge<A>, [add]);
  }

  /**
   * Groups items by `key` and combines each group's values with `combine` (associative), on the
   * workers first, so only one value per key and chunk travels; `combine` then merges those on this
   * thread. The functions must be synchronous.
   *
   * @example
   * const counts = await pool.from(words).reduceByKey((w) => w, () => 1, (a, b) => a + b);
   */
  async reduceByKey<K, V>(
    key: TaskLike<[T], K>,
    value: TaskLike<[T], V>,
    combine: TaskLike<[V, V], V>,
  ): Promise<Outcome<Map<K, V>, E>> {
    const [keyRef, valueRef, combineRef] = await Promise.all([
      this.#ref(key),
      this.#ref(value),
      this.#ref(combine),
    ]);
    const terminal: Terminal = { op: "reduceByKey", key: keyRef, value: valueRef, combine: combineRef };
    return this.#run(terminal, reduceByKeyMerge(combine as never) as Merge<Map<K, V>>, [key, value, combine]);
  }

  /** Groups the items by `key`; each group keeps input order. */
  async groupBy<K>(key: TaskLike<[T], K>): Promise<Outcome<Map<K, T[]>, E>> {
    const terminal: Terminal = { op: "groupBy", key: await this.#ref(key) };
    return this.#run(terminal, groupByMerge() as Merge<Map<K, T[]>>, [key]);
  }

  /**
   * Writes the items from the workers into `directory`, one line each (`String(item)`): a part file
   * per chunk (`part-00000.txt`, `part-00001.txt`, ...: name order is the collection's order), then
   * an empty `_SUCCESS`. Each part appears whole (written under a hidden name, renamed when the pool
   * accepts its chunk), a chunk that runs twice leaves one part, and a job that fails or is
   * cancelled leaves no part behind. The directory is made if need be, and must not hold a dataset.
   *
   * @example
   * const { files, records } = await pool.readLines("logs/*.log").filter(isError).writeLines("out/errors");
   */
  writeLines(directory: string): Promise<Outcome<WriteSummary, E>> {
    return this.#write(directory, "lines");
  }

  /** Like {@link writeLines}, with each item as one line of JSON (NDJSON, `part-00000.ndjson`), to read back with `pool.readJson`. */
  writeJson(directory: string): Promise<Outcome<WriteSummary, E>> {
    return this.#write(directory, "json");
  }

  async #write(directory: string, format: SinkFormat): Promise<Outcome<WriteSummary, E>> {
    if (!this.runner.sharesFiles) throw filesNotShared(format === "json" ? "writeJson" : "writeLines");
    const { terminal, ...into } = await openSink(directory, format);
    // Out of order: each part is renamed as soon as its chunk is accepted; its name keeps the order.
    return this.#runInto(terminal, into, [], false);
  }

  /**
   * Streams the items as chunks finish: in input order (the default), or `ordered: false` for
   * the fastest first. Work pauses while the reader is behind; leaving the loop early cancels it.
   */
  stream(options: { ordered?: boolean } = {}): AsyncIterable<T> {
    return { [Symbol.asyncIterator]: () => this.#stream(options.ordered ?? true) };
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.#stream(true);
  }

  async *#stream(ordered: boolean): AsyncGenerator<T> {
    const id = this.runner.nextJobId();
    const output = new StreamOutput<T>(streamHighWater * this.runner.workers, (paused) =>
      this.runner.setPaused(id, paused),
    );
    const job = await this.#job(id, { op: "collect" }, [], ordered, output);
    this.runner.start(job);
    try {
      yield* output.items();
    } finally {
      if (!job.finished) this.runner.cancel(job, new Error("the reader stopped reading the stream"));
    }
  }

  async #ref(fn: unknown): Promise<TaskRef> {
    return resolveTask(fn, this.runner.acceptsInline);
  }

  async #job(
    id: number,
    terminal: Terminal,
    terminalFns: readonly unknown[],
    ordered: boolean,
    output: Output,
  ): Promise<CollectionJob> {
    const stages = await Promise.all(
      this.stages.map(async (s) => ({ op: s.op, task: await this.#ref(s.fn) })),
    );
    const taskRetries = new Map<string, RetryPolicy>();
    const fns = [...this.stages.map((s) => s.fn), ...terminalFns];
    for (const fn of fns) {
      const policy = taskRetryOf(fn);
      if (policy) taskRetries.set(taskKey(await this.#ref(fn)), policy);
    }
    const { source, total } = await this.makeSource();
    // A stream hands items over as they come, so it cannot also hold back a list of failures.
    const errors = output instanceof StreamOutput ? "fail-fast" : this.controls.errors;
    const controls = { ...this.controls, taskRetries, errors };
    return new CollectionJob({ id, stages, terminal }, source, total, ordered, output, controls);
  }

  async #run<R>(
    terminal: Terminal,
    merge: Merge<R>,
    terminalFns: readonly unknown[] = [],
  ): Promise<Outcome<R, E>> {
    return this.#runInto(terminal, mergeOutput(merge), terminalFns, true);
  }

  async #runInto<R>(
    terminal: Terminal,
    { output, result }: { output: Output; result: Promise<R> },
    terminalFns: readonly unknown[],
    ordered: boolean,
  ): Promise<Outcome<R, E>> {
    const job = await this.#job(this.runner.nextJobId(), terminal, terminalFns, ordered, output);
    this.runner.start(job);
    const value = await result;
    if (this.controls.errors === "fail-fast") return value as Outcome<R, E>;
    // Items read from files share their range's index: their lines order them within it.
    const failures = [...job.failures].sort((a, b) => a.index - b.index || (a.line ?? 0) - (b.line ?? 0));
    return { result: value, failures } as Settled<R> as Outcome<R, E>;
  }
}
