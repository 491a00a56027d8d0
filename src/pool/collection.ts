// Collections: a lazy chain of per-item steps over an input, run as one job when a terminal is called.
// Sinks, shuffles and ledgers load when a job first needs one, so that a pool starts without them.
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
import { mergeOutput, StreamOutput, type SettledItem } from "../jobs/outputs.ts";
import { StreamReader, type StartedStream } from "./stream-reader.ts";
import type { WriteSummary } from "../jobs/sink-output.ts";
import type { SinkFormat } from "../protocol/sinks.ts";
import {
  sinkSettings,
  type CsvSinkOptions,
  type ParquetSinkOptions,
  type SinkOptions,
} from "./sink-options.ts";
import { filesNotShared } from "./file-inputs.ts";
import type { Source } from "../jobs/source.ts";
import { OptionError } from "../errors.ts";
import { positiveInteger, priority, resolveBounds } from "./options.ts";
import { boundsForConcurrency, type ChunkBounds } from "../scheduler/chunking.ts";
import { resolveTask } from "../task/resolve.ts";
import { resolveRetry, type RetryOption, type RetryPolicy } from "../scheduler/retry.ts";
import { resolveConcurrency, taskConcurrencyOf, taskRetryOf, type TaskLike } from "../task/task.ts";
import { taskKey, type TaskRef } from "../protocol/task-ref.ts";
import type { Stage, Terminal } from "../protocol/plan.ts";
import type { KeyedOp, ShuffleWrite } from "../protocol/shuffle.ts";
import { ledgerName, notResumableTerminal } from "../jobs/ledger.ts";
import type { LedgerStore } from "../protocol/ledger.ts";
import { resolvePartitions, type KeyedOptions, type MapSide, type SortOptions } from "./shuffle.ts";

/** What a collection needs from its pool. */
export interface JobRunner {
  readonly acceptsInline: boolean;
  readonly workers: number;
  /** Whether the workers see this machine's files, so they can read a file source and write a sink. */
  readonly sharesFiles: boolean;
  /** Where shuffles write their records; every worker must see it. */
  readonly spillDirectory: string;
  /** Bytes of keyed records a worker holds before it writes them out. */
  readonly memoryBudget: number;
  /** Bytes of results waiting for an earlier chunk's that this process holds before they wait on disk. */
  readonly poolMemoryBudget: number;
  /** Where resumable jobs keep their ledgers; undefined where no job can outlive its pool. */
  readonly ledgers: LedgerStore | undefined;
  nextJobId(): number;
  start(job: Job): void;
  setPaused(jobId: number, paused: boolean): void;
  cancel(job: Job, error: Error): void;
}

/**
 * A job's input as one run of the collection gets it: the source, its size if known, items that
 * failed for good before it (a shuffle's map side, under `collect`), and what to release when the
 * job is over (a shuffle's files).
 */
export interface PlannedSource {
  readonly source: Source;
  readonly total: number | undefined;
  readonly failures?: readonly Failure[];
  readonly release?: () => Promise<void>;
}

/** A fresh source for each run of the collection; a file source is planned (its files found and cut) on each run. */
export type SourceFactory = () => PlannedSource | Promise<PlannedSource>;

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

function perSecond(rateLimit: unknown): number {
  const value = (rateLimit as { perSecond?: unknown } | null)?.perSecond;
  if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) {
    throw new OptionError(
      `rateLimit must be { perSecond: n } with n a number above 0 (items the job starts per second), got ${JSON.stringify(rateLimit)}`,
    );
  }
  return value;
}

function errorPolicy(value: unknown): ErrorPolicy {
  if (value === "fail-fast" || value === "collect") return value;
  throw new OptionError(`errors must be "fail-fast" or "collect", got ${JSON.stringify(value)}`);
}

/** Per-job options: see {@link Collection.options}. */
export interface JobOptions<P extends ErrorPolicy = ErrorPolicy> {
  /**
   * `collect` finishes the job around items that still fail after their retries; the terminal
   * then resolves with `{ result, failures }`, and a stream gives each input item as a
   * {@link SettledItem} (see {@link Collection.stream}).
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
  /**
   * Free workers take the chunks of higher-priority jobs first; jobs of one priority go oldest
   * first. A job passed over for higher-priority work gains a level every 16 chunks handed to
   * others, so none starves. Any integer. @default 0
   */
  readonly priority?: number;
  /**
   * For async tasks (calls to a service, a database, a file system): how many items of a chunk one
   * worker runs at once. Results are still combined in input order, so the answer is the same.
   * Wins over the tasks' own `concurrency`. @default the most the job's tasks ask for, else 1
   */
  readonly concurrency?: number;
  /**
   * The most items the whole job starts per second, on every worker together (a cluster's too),
   * for calling a rate-limited service. The pool hands each chunk its own stretch of the job's
   * schedule, and a worker starts each item no sooner than its slot. For in-memory inputs
   * (`from`, `range`), not files. @default none
   */
  readonly rateLimit?: RateLimit;
  /**
   * On a cluster, keeps the job's ledger in Redis under this name (letters, digits, `_`, `.`, `-`):
   * its plan and every chunk's partial result as the chunk settles. If this process dies, the job is
   * finished by another one (`pool.resume(name, modules)`, `weft resume <name>`, or this program run
   * again with the same name): the chunks done before are not run again and count once. For a range,
   * an array or a typed array ending in collect, count, reduce, fold, reduceByKey or groupBy; the
   * ledger goes when the result is delivered. See docs/cluster.md. @default none
   */
  readonly resumable?: string;
}

/** A job's {@link JobOptions.rateLimit}. */
export interface RateLimit {
  /** Items the whole job starts per second, at most; any number above 0. */
  readonly perSecond: number;
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
export class Collection<T, E extends ErrorPolicy = "fail-fast"> implements AsyncIterable<
  E extends "collect" ? SettledItem<T> : T
> {
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
      priority: options.priority === undefined ? this.controls.priority : priority(options.priority),
      concurrency:
        options.concurrency === undefined
          ? this.controls.concurrency
          : resolveConcurrency(options.concurrency),
      perSecond: options.rateLimit === undefined ? this.controls.perSecond : perSecond(options.rateLimit),
      resumable: options.resumable === undefined ? this.controls.resumable : ledgerName(options.resumable),
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
    return this.#run({ op: "reduce", task }, reduceMerge(fn as never, start) as Merge<T>, [fn], start);
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
   * With `{ partitions }`, the keys are spread over partitions that are merged on the workers, not
   * here: the result is a collection of `[key, value]` pairs, partition by partition, to collect,
   * stream, or write with a sink. Keys must then be strings, numbers, bigints, booleans, null or
   * undefined. See docs/large-data.md.
   *
   * @example
   * const counts = await pool.from(words).reduceByKey((w) => w, () => 1, (a, b) => a + b);
   * await pool.readLines("logs/*.log").flatMap(words).reduceByKey(w, one, add, { partitions: 16 }).writeJson("out");
   */
  reduceByKey<K, V>(
    key: TaskLike<[T], K>,
    value: TaskLike<[T], V>,
    combine: TaskLike<[V, V], V>,
  ): Promise<Outcome<Map<K, V>, E>>;
  reduceByKey<K, V>(
    key: TaskLike<[T], K>,
    value: TaskLike<[T], V>,
    combine: TaskLike<[V, V], V>,
    options: KeyedOptions,
  ): Collection<[K, V], E>;
  reduceByKey<K, V>(
    key: TaskLike<[T], K>,
    value: TaskLike<[T], V>,
    combine: TaskLike<[V, V], V>,
    options?: KeyedOptions,
  ): Promise<Outcome<Map<K, V>, E>> | Collection<[K, V], E> {
    if (options !== undefined) {
      const partitions = resolvePartitions(options, this.runner.workers);
      const keyed = async (): Promise<KeyedOp> => ({
        kind: "reduceByKey",
        combine: await this.#ref(combine),
      });
      return this.#shuffled("reduceByKey() with partitions", partitions, keyed, [
        this.#mapSide(key, value, [combine]),
      ]);
    }
    return this.#reduceByKeyHere(key, value, combine);
  }

  async #reduceByKeyHere<K, V>(
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

  /**
   * Groups the items by `key`; each group keeps input order. With `{ partitions }`, the groups are
   * made on the workers and the result is a collection of `[key, items]` pairs (see {@link reduceByKey}).
   */
  groupBy<K>(key: TaskLike<[T], K>): Promise<Outcome<Map<K, T[]>, E>>;
  groupBy<K>(key: TaskLike<[T], K>, options: KeyedOptions): Collection<[K, T[]], E>;
  groupBy<K>(
    key: TaskLike<[T], K>,
    options?: KeyedOptions,
  ): Promise<Outcome<Map<K, T[]>, E>> | Collection<[K, T[]], E> {
    if (options !== undefined) {
      const partitions = resolvePartitions(options, this.runner.workers);
      return this.#shuffled("groupBy() with partitions", partitions, () => ({ kind: "groupBy" }), [
        this.#mapSide(key),
      ]);
    }
    return this.#groupByHere(key);
  }

  async #groupByHere<K>(key: TaskLike<[T], K>): Promise<Outcome<Map<K, T[]>, E>> {
    const terminal: Terminal = { op: "groupBy", key: await this.#ref(key) };
    return this.#run(terminal, groupByMerge() as Merge<Map<K, T[]>>, [key]);
  }

  /**
   * The items without repeats: the first item of each key (`key` defaults to the item itself, which
   * must then be a string, number, bigint, boolean, null or undefined), found on the workers, partition
   * by partition.
   */
  distinct(key?: TaskLike<[T], unknown>, options?: KeyedOptions): Collection<T, E> {
    const partitions = resolvePartitions(options, this.runner.workers);
    return this.#shuffled("distinct()", partitions, () => ({ kind: "distinct" }), [this.#mapSide(key)]);
  }

  /**
   * Pairs the items of this collection and `other` that have equal keys (an inner join): a
   * `[key, [item, otherItem]]` for every such pair, found on the workers, partition by partition.
   * Both sides are spread over the same partitions by their keys.
   */
  join<U, K>(
    other: Collection<U, ErrorPolicy>,
    key: TaskLike<[T], K>,
    otherKey: TaskLike<[U], K>,
    options?: KeyedOptions,
  ): Collection<[K, [T, U]], E> {
    if (other.runner !== this.runner) {
      throw new OptionError(
        "join() takes a collection of the same pool: both sides are written to the pool's spill directory and merged by its workers",
      );
    }
    const partitions = resolvePartitions(options, this.runner.workers);
    return this.#shuffled("join()", partitions, () => ({ kind: "join" }), [
      this.#mapSide(key),
      other.#mapSide(otherKey),
    ]);
  }

  /**
   * The items ordered by `key` (numbers and bigints, or strings), stable: equal keys keep input
   * order. Each chunk sorts its items on its worker; the key ranges of the partitions are chosen from
   * those runs, and each partition is merged from them on a worker, so the items come back in order
   * without ever being held in one place.
   */
  sortBy(key: TaskLike<[T], unknown>, options: SortOptions = {}): Collection<T, E> {
    const partitions = resolvePartitions(options, this.runner.workers);
    const descending = options.descending ?? false;
    if (typeof descending !== "boolean")
      throw new OptionError(`descending must be true or false, got ${String(descending)}`);
    return this.#shuffled("sortBy()", partitions, () => ({ kind: "sortBy", descending }), [
      this.#mapSide(key),
    ]);
  }

  /** The collection after a keyed operation: its source is the shuffle, its chunks one partition each. */
  #shuffled<R>(
    method: string,
    partitions: number,
    keyedOp: () => KeyedOp | Promise<KeyedOp>,
    sides: readonly ((keyed: KeyedOp, partitions: number) => MapSide)[],
  ): Collection<R, E> {
    const { runner } = this;
    if (!runner.sharesFiles) throw filesNotShared(method);
    const settings = { spillDirectory: runner.spillDirectory, budget: runner.memoryBudget };
    const makeSource: SourceFactory = async () => {
      const [keyed, { shuffleSource }] = await Promise.all([keyedOp(), import("./shuffle-source.ts")]);
      return shuffleSource(
        settings,
        keyed,
        partitions,
        sides.map((side) => side(keyed, partitions)),
      )();
    };
    const controls = { ...this.controls, bounds: { minChunk: 1, maxChunk: 1 } };
    return new Collection<R, E>(runner, makeSource, [], controls);
  }

  /** The map side of a keyed operation on this collection: its items combined by `key` into the shuffle. */
  #mapSide(
    key: TaskLike<[T], unknown> | undefined,
    value?: TaskLike<[T], unknown>,
    otherFns: readonly unknown[] = [],
  ): (keyed: KeyedOp, partitions: number) => MapSide {
    return (keyed, partitions) => async (directory, side) => {
      if (this.controls.resumable !== undefined)
        throw notResumableTerminal("a keyed operation with partitions");
      const [keyRef, valueRef] = await Promise.all([
        key === undefined ? undefined : this.#ref(key),
        value === undefined ? undefined : this.#ref(value),
      ]);
      const terminal: ShuffleWrite = {
        op: "shuffle",
        keyed,
        ...(keyRef && { key: keyRef }),
        ...(valueRef && { value: valueRef }),
        partitions,
        directory,
        side,
        budget: this.runner.memoryBudget,
      };
      const fns = [key, value, ...otherFns].filter((fn) => fn !== undefined);
      const { shuffleOutput } = await import("../jobs/shuffle-output.ts");
      const outcome = await this.#runInto(terminal, shuffleOutput(directory), fns, true);
      return Array.isArray(outcome)
        ? { written: outcome, failures: [] }
        : { written: outcome.result, failures: outcome.failures };
    };
  }

  /**
   * Writes the items from the workers into `directory`, one line each (`String(item)`), in Spark's
   * layout: a part file per chunk (`part-00000-<token>.txt`, `part-00001-<token>.txt`, ...: name order
   * is the collection's order), then an empty `_SUCCESS`. Parts are written under
   * `_temporary/<token>/` and moved into place only when the whole job has succeeded: a chunk that
   * runs twice leaves one part, and a job that fails or is cancelled leaves none. With
   * `{ partitionBy }`, the items are objects, each written into its `field=value/` folder with the one
   * field left as the line. The directory is made if need be, and must not hold a dataset.
   *
   * @example
   * const { files, records } = await pool.readLines("logs/*.log").filter(isError).writeLines("out/errors");
   */
  writeLines(directory: string, options: SinkOptions = {}): Promise<Outcome<WriteSummary, E>> {
    return this.#write(directory, "lines", options);
  }

  /**
   * Like {@link writeLines}, with each item as one line of JSON (NDJSON, `part-00000-<token>.ndjson`),
   * to read back with `pool.readJson`; with `{ partitionBy: ["year"] }`, each record in its
   * `year=<value>/` folder without that field, which `readJson` adds back.
   */
  writeJson(directory: string, options: SinkOptions = {}): Promise<Outcome<WriteSummary, E>> {
    return this.#write(directory, "json", options);
  }

  /**
   * Like {@link writeJson}, as CSV (`part-00000-<token>.csv`): each part starts with a header row,
   * the fields of its first record, and every record must have the same fields (an item that does
   * not fails, named). Fields are quoted as RFC 4180 asks; numbers and booleans are written as their
   * text, a date as ISO 8601, null and undefined as an empty field, and a nested object or array
   * fails its item. `pool.readCsv` reads it back, with every value as text.
   */
  writeCsv(directory: string, options: CsvSinkOptions = {}): Promise<Outcome<WriteSummary, E>> {
    return this.#write(directory, "csv", options);
  }

  /**
   * Like {@link writeJson}, as Parquet (`part-00000-<token>.parquet`), written by the workers a row
   * group at a time (`rowGroupSize` rows), compressed with `compression`. The items are objects; each
   * part's columns and types come from its first row group: bigint is int64, number double, string
   * text, boolean, Date a timestamp (ms), Uint8Array bytes, an array a list and a plain object a
   * struct; null and a missing field are null. A record that does not fit fails, named.
   * `pool.readParquet`, DuckDB, Spark and Dask read it back (docs/parquet.md).
   *
   * @example
   * await pool.readJson<Sale>("sales.ndjson").writeParquet("sales", { partitionBy: ["year"] });
   */
  writeParquet(directory: string, options: ParquetSinkOptions = {}): Promise<Outcome<WriteSummary, E>> {
    return this.#write(directory, "parquet", options);
  }

  async #write(
    directory: string,
    type: SinkFormat["type"],
    options: CsvSinkOptions & ParquetSinkOptions,
  ): Promise<Outcome<WriteSummary, E>> {
    const method = `write${type === "lines" ? "Lines" : type === "json" ? "Json" : type === "csv" ? "Csv" : "Parquet"}()`;
    if (this.controls.resumable !== undefined) throw notResumableTerminal("a job that writes files");
    if (!this.runner.sharesFiles) throw filesNotShared(method);
    const { format, partitionBy } = sinkSettings(type, options);
    const { openSink } = await import("../jobs/sink-output.ts");
    const { terminal, ...into } = await openSink(directory, format, partitionBy);
    // Out of order: the parts are moved into place when the job ends; their names keep the order.
    return this.#runInto(terminal, into, [], false);
  }

  /**
   * Streams the items as chunks finish: in input order (the default), or `ordered: false` for
   * the fastest first. Work pauses while the reader is behind; leaving the loop early cancels it.
   * Under the `collect` policy every input item comes out as a {@link SettledItem}, its result or its
   * failure, and the stream goes on past failures; each input item must then give one result, so
   * every step is a `map`.
   *
   * @example
   * for await (const item of pool.from(lines).map(parse).options({ errors: "collect" }).stream()) {
   *   if ("failure" in item) console.error(`line ${item.index + 1}: ${item.failure.error.message}`);
   *   else console.log(item.value);
   * }
   */
  stream(options: { ordered?: boolean } = {}): AsyncIterable<E extends "collect" ? SettledItem<T> : T> {
    const ordered = options.ordered ?? true;
    return { [Symbol.asyncIterator]: () => new StreamReader(() => this.#startStream(ordered)) };
  }

  [Symbol.asyncIterator](): AsyncIterator<E extends "collect" ? SettledItem<T> : T> {
    return new StreamReader(() => this.#startStream(true));
  }

  async #startStream<I>(ordered: boolean): Promise<StartedStream<I>> {
    if (this.controls.resumable !== undefined) throw notResumableTerminal("a stream");
    const settled = this.controls.errors === "collect";
    if (settled && this.stages.some((s) => s.op !== "map")) {
      throw new OptionError(
        "a stream under the collect policy gives each input item its result or its failure, so every step must be a map: use collect() or a terminal for filter and flatMap, or stream them fail-fast",
      );
    }
    const id = this.runner.nextJobId();
    const output = new StreamOutput<I>(
      streamHighWater * this.runner.workers,
      (paused) => this.runner.setPaused(id, paused),
      settled,
    );
    const { job, release } = await this.#job(id, { op: "collect" }, [], ordered, output);
    this.runner.start(job);
    return {
      output,
      stop: () => {
        if (!job.finished) this.runner.cancel(job, new Error("the reader stopped reading the stream"));
      },
      release: async () => await release?.(),
    };
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
    initial?: { readonly value: unknown },
  ): Promise<{
    job: CollectionJob;
    failures: readonly Failure[];
    release?: () => Promise<void>;
    /** A resumable job's result was delivered: its ledger goes (one that failed keeps it, to resume). */
    delivered?: () => Promise<void>;
  }> {
    const stages = await Promise.all(
      this.stages.map(async (s) => ({ op: s.op, task: await this.#ref(s.fn) })),
    );
    const taskRetries = new Map<string, RetryPolicy>();
    const fns = [...this.stages.map((s) => s.fn), ...terminalFns];
    for (const fn of fns) {
      const policy = taskRetryOf(fn);
      if (policy) taskRetries.set(taskKey(await this.#ref(fn)), policy);
    }
    const concurrency =
      this.controls.concurrency ?? Math.max(1, ...fns.map((fn) => taskConcurrencyOf(fn) ?? 1));
    const { source, total, failures = [], release } = await this.makeSource();
    // A file chunk's items are byte ranges, not the records the tasks see: no schedule fits them.
    if (this.controls.perSecond !== undefined && source.itemsAreRecords === false) {
      await release?.();
      throw new OptionError(
        "rateLimit paces in-memory inputs (from, range), not files: read the records with from() over a stream to pace them",
      );
    }
    // A stream hands items over as they come, so it cannot also hold back a list of failures.
    const stream = output instanceof StreamOutput;
    if (stream && failures.length > 0) {
      await release?.();
      throw failures[0]!.error;
    }
    // A file chunk's items are byte ranges: no item of the input stands for one record to pair.
    if (stream && output.settled && source.itemsAreRecords === false) {
      await release?.();
      throw new OptionError(
        "a stream under the collect policy pairs each input item with its outcome, and a file source's records are not its input items: use collect() or a sink, or stream the records fail-fast",
      );
    }
    if (total !== undefined && source.itemsAreRecords !== false && stages.every((s) => s.op === "map"))
      output.expect?.(total);
    const controls = {
      ...this.controls,
      taskRetries,
      bounds: boundsForConcurrency(this.controls.bounds, concurrency),
    };
    const spec = { id, stages, terminal, ...(concurrency > 1 && { concurrency }) };
    const hold = { budget: this.runner.poolMemoryBudget, directory: this.runner.spillDirectory };
    const { resumable } = this.controls;
    if (resumable === undefined) {
      const job = new CollectionJob(spec, source, total, ordered, output, controls, undefined, hold);
      return { job, failures, ...(release && { release }) };
    }
    const { ledgerStoreFor, openLedger, planOf } = await import("./resumable.ts");
    const { store, source: seekable } = ledgerStoreFor(source, this.runner.ledgers);
    const plan = planOf(spec, seekable, this.controls, initial);
    const kept = await openLedger(store, resumable, plan, seekable, total!);
    const job = new CollectionJob(spec, kept.source, total, ordered, output, controls, kept.ledger, hold);
    return { job, failures, delivered: () => store.drop(resumable).catch(() => {}) };
  }

  /** Runs a job whose chunks' partials merge here: the kind a ledger can keep (`initial` is a reduce's). */
  async #run<R>(
    terminal: Terminal,
    merge: Merge<R>,
    terminalFns: readonly unknown[] = [],
    initial?: { readonly value: unknown },
  ): Promise<Outcome<R, E>> {
    return this.#runInto(terminal, mergeOutput(merge), terminalFns, true, initial);
  }

  async #runInto<R>(
    terminal: Terminal,
    { output, result }: { output: Output; result: Promise<R> },
    terminalFns: readonly unknown[],
    ordered: boolean,
    initial?: { readonly value: unknown },
  ): Promise<Outcome<R, E>> {
    const planned = await this.#job(this.runner.nextJobId(), terminal, terminalFns, ordered, output, initial);
    const { job } = planned;
    this.runner.start(job);
    let value: R;
    try {
      value = await result;
    } finally {
      await planned.release?.();
    }
    await planned.delivered?.();
    if (this.controls.errors === "fail-fast") return value as Outcome<R, E>;
    // Items read from files share their range's index: their lines order them within it.
    const failures = [...job.failures].sort((a, b) => a.index - b.index || (a.line ?? 0) - (b.line ?? 0));
    // Items that failed before a shuffle come first: their indexes are of the input before it.
    return { result: value, failures: [...planned.failures, ...failures] } as Settled<R> as Outcome<R, E>;
  }
}
