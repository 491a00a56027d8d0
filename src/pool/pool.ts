// The pool: the public face of a running backend. Makes collections and futures, and closes everything.
import { setTimeout as delay } from "node:timers/promises";
import { startActorOn, type Actor, type ActorOptions } from "../actors/actor.ts";
import type { Backend } from "../backends/backend.ts";
import type { LedgerStore } from "../protocol/ledger.ts";
import { AbortError, OptionError, PoolClosedError, TaskError } from "../errors.ts";
import { createEvents, type PoolEventEmitter } from "../events/events.ts";
import { asCompleted, Future, gather, type Completed, type FutureArgs } from "../futures/future.ts";
import { CallJob, type Settle } from "../jobs/call-job.ts";
import { defaultControls } from "../jobs/job.ts";
import { ArraySource, RangeSource, StreamSource, TypedArraySource } from "../jobs/source.ts";
import { Collection, type JobRunner, type SourceFactory } from "./collection.ts";
import { noRetries, resolveRetry, type RetryOption, type RetryPolicy } from "../scheduler/retry.ts";
import type { CallFailure, JobSpec, SerializedError, TypedArray } from "../protocol/plan.ts";
import { deserializeError, preview } from "../protocol/serialized-errors.ts";
import { describeTask } from "../protocol/task-ref.ts";
import { resolveTask } from "../task/resolve.ts";
import { placeOf, taskConcurrencyOf, taskRetryOf, type TaskLike } from "../task/task.ts";
import { boundsForConcurrency } from "../scheduler/chunking.ts";
import { Dispatcher } from "./dispatcher.ts";
import type { Resumed } from "./resumable.ts";
import type { Telemetry } from "./telemetry.ts";
import { ledgerName } from "../jobs/ledger.ts";
import {
  csvFormat,
  fileSourceFactory,
  filesNotShared,
  parquetSourceFactory,
  type CsvOptions,
  type ParquetOptions,
  type ReadOptions,
} from "./file-inputs.ts";
import { positiveInteger, priority, type BackendName, type ResolvedOptions } from "./options.ts";

/** Calls to one task wait here until its module is looked up, then go to its call job. */
interface CallTarget {
  job?: CallJob;
  waiting?: Array<[readonly unknown[], Settle, RetryPolicy]>;
}

/** What decides which job a call joins. */
interface CallGroup {
  readonly fn: unknown;
  readonly timeoutMs: number | undefined;
  readonly priority: number;
}

/** Options of one `submit` call. */
export interface CallOptions {
  /** Retries if the call throws: a count or a policy. @default the task's own, else 0 */
  readonly retries?: RetryOption;
  /** Cancels the call: its future rejects with an AbortError. */
  readonly signal?: AbortSignal;
  /**
   * The longest the call may run once it has started on a worker, in ms. At the deadline the
   * task's signal fires; a task that ignores it has its worker ended after the pool's grace period.
   * The call then fails with a TimeoutError, or runs again if `retries` allow.
   */
  readonly timeout?: number;
  /** Higher-priority work gets free workers first: see {@link JobOptions.priority}. @default 0 */
  readonly priority?: number;
}

/** How long closing a pool waits for its actors to stop (behind their calls still running). */
export const actorStopLimitMs = 2000;

/**
 * A set of workers and everything that runs on them. Create one with `weft()`; close it with
 * `close()` or `await using`.
 */
export class Pool implements AsyncDisposable {
  /** Progress, per-chunk records and job state changes, for progress bars, timelines and dashboards. */
  readonly events: PoolEventEmitter;
  readonly #options: ResolvedOptions;
  readonly #dispatcher: Dispatcher;
  readonly #runner: JobRunner;
  /**
   * Calls go to one job per task, deadline and priority (a deadline covers a whole chunk, so calls
   * with different ones never share a chunk): keyed by `${timeoutMs}/${priority}`, then by task.
   */
  readonly #callTargets = new Map<string, Map<unknown, CallTarget>>();
  #nextJobId = 1;
  /** Rejected when the pool closes: what actors' waiting calls reject with. */
  #rejectClosing!: (error: Error) => void;
  readonly #closing = new Promise<never>((_, reject) => (this.#rejectClosing = reject));
  #closed: Promise<void> | undefined;
  /** How to stop each actor still running. */
  readonly #actors = new Set<() => Promise<void>>();

  private constructor(
    backend: Backend,
    options: ResolvedOptions,
    telemetry: Telemetry | undefined,
    ledgers: LedgerStore | undefined,
  ) {
    this.#options = options;
    this.events = createEvents();
    const tracing = telemetry?.attach(this.events, {
      backend: backend.name,
      queuedItems: () => this.#dispatcher.queuedItems(),
      workers: () => backend.workers,
    });
    this.#dispatcher = new Dispatcher(backend, this.events, options.graceMs, tracing);
    this.#closing.catch(() => {}); // rejects at close whether or not an actor waits on it
    const dispatcher = this.#dispatcher;
    this.#runner = {
      acceptsInline: backend.acceptsInline,
      workers: backend.workers,
      // A cluster's workers may be on other machines: they see files only under a shared data root.
      sharesFiles: backend.name !== "redis" || options.dataRoot !== undefined,
      spillDirectory: options.spillDirectory,
      memoryBudget: options.memoryBudget,
      poolMemoryBudget: options.poolMemoryBudget,
      ledgers: backend.ledgers ?? ledgers,
      nextJobId: () => this.#nextJobId++,
      start: (job) => dispatcher.start(job),
      setPaused: (id, paused) => dispatcher.setPaused(id, paused),
      cancel: (job, error) => dispatcher.cancel(job, error),
    };
  }

  /**
   * @internal Use `weft()`, which resolves the options and starts the backend. `ledgers` keep
   * resumable jobs' ledgers where the backend keeps none.
   */
  static create(
    backend: Backend,
    resolved: ResolvedOptions,
    telemetry?: Telemetry,
    ledgers?: LedgerStore,
  ): Pool {
    return new Pool(backend, resolved, telemetry, ledgers);
  }

  /** The backend's name: "threads", "processes", "sequential" or "redis". */
  get backend(): BackendName {
    return this.#dispatcher.backend.name as BackendName;
  }

  /** How many workers run chunks at once. */
  get workers(): number {
    return this.#dispatcher.backend.workers;
  }

  /** What each worker is doing now: the id of the job whose chunk it runs, or undefined when idle. */
  activity(): (number | undefined)[] {
    return this.#dispatcher.workerJobs();
  }

  /**
   * A collection over an array, a typed array (a SharedArrayBuffer is shared with the workers,
   * not copied), an iterable or an async iterable (read ahead only as far as workers need).
   */
  from<T>(input: readonly T[] | Iterable<T> | AsyncIterable<T>): Collection<T>;
  from(input: TypedArray): Collection<number>;
  from<T>(input: readonly T[] | Iterable<T> | AsyncIterable<T> | TypedArray): Collection<T> {
    this.#assertOpen();
    let makeSource: SourceFactory;
    if (Array.isArray(input)) {
      const items = input as readonly T[];
      makeSource = () => ({ source: new ArraySource(items), total: items.length });
    } else if (ArrayBuffer.isView(input) && !(input instanceof DataView)) {
      const array = input;
      const { sharesMemory } = this.#dispatcher.backend;
      makeSource = () => ({ source: new TypedArraySource(array, sharesMemory), total: array.length });
    } else if (input != null && (Symbol.iterator in Object(input) || Symbol.asyncIterator in Object(input))) {
      let stream = input as Iterable<T> | AsyncIterable<T>;
      // An async iterable is read once, and some start producing when they are made (a readline
      // interface emits lines whether anyone listens or not): its iterator is taken now, so what it
      // produces while the job's tasks are looked up is buffered rather than lost.
      if (Symbol.asyncIterator in Object(input)) {
        const iterator = (input as AsyncIterable<T>)[Symbol.asyncIterator]();
        stream = { [Symbol.asyncIterator]: () => iterator };
      }
      const source = stream;
      makeSource = () => ({ source: new StreamSource(source, this.#options.readAhead), total: undefined });
    } else {
      throw new OptionError(
        `from() takes an array, a typed array, an iterable or an async iterable; got ${input === null ? "null" : typeof input}`,
      );
    }
    return new Collection<T>(this.#runner, makeSource, [], defaultControls(this.#options.bounds));
  }

  /** The numbers `from, from + step, ...` below `to`, generated on the workers (never held in memory). */
  range(from: number, to: number, step = 1): Collection<number> {
    this.#assertOpen();
    for (const [name, value] of [
      ["from", from],
      ["to", to],
      ["step", step],
    ] as const) {
      if (!Number.isFinite(value))
        throw new OptionError(`range(): ${name} must be a finite number, got ${value}`);
    }
    if (step <= 0) throw new OptionError(`range(): step must be positive, got ${step}`);
    const total = Math.max(0, Math.ceil((to - from) / step));
    return new Collection<number>(
      this.#runner,
      () => ({ source: new RangeSource(from, to, step), total }),
      [],
      defaultControls(this.#options.bounds),
    );
  }

  /**
   * The lines of a file, a list of files, a glob (`"logs/*.log"`) or a directory (its files, in name
   * order, without hidden ones and `_SUCCESS`), without their line ends ("\n" or "\r\n"). This thread
   * only finds the files and cuts them into byte ranges; each worker reads its own ranges, so the
   * data never passes through here. A `.gz` file is read whole by one worker, decompressing it.
   * An error in a task names the file and line: `task parse failed on logs/a.log:1742 (...)`.
   *
   * @example
   * const errors = await pool.readLines("logs/*.log").filter(isError).count();
   */
  readLines(paths: string | readonly string[], options: ReadOptions = {}): Collection<string> {
    return this.#files("readLines", fileSourceFactory(paths, { type: "lines" }, options, this.workers));
  }

  /** The values of NDJSON files (one JSON value a line; blank lines skipped), read like {@link readLines}. A line that is not JSON fails with its file and line. */
  readJson<T = unknown>(paths: string | readonly string[], options: ReadOptions = {}): Collection<T> {
    return this.#files("readJson", fileSourceFactory(paths, { type: "json" }, options, this.workers));
  }

  /**
   * The records of CSV files with a header row, as objects keyed by the header's names (values are
   * strings), parsed on the workers with csv-parse (lines without a quote are split at the
   * delimiter, which reads them the same, faster). Files are split at line boundaries like
   * {@link readLines}; for files whose quoted fields hold line breaks, pass `{ split: false }`.
   */
  readCsv<T = Record<string, string>>(
    paths: string | readonly string[],
    options: CsvOptions = {},
  ): Collection<T> {
    return this.#files("readCsv", fileSourceFactory(paths, csvFormat(options), options, this.workers));
  }

  /**
   * The rows of Parquet files (a file, a list, a glob or a dataset directory, as {@link readLines}
   * finds them) as objects keyed by column name. This thread reads only each file's footer and
   * makes every row group one unit of work; each worker reads its row groups' data, and only that
   * of the `columns` asked for. int64 comes back as bigint, decimals as exact text, timestamps as
   * Date (see docs/parquet.md for every type). A file or row group that cannot be read fails naming
   * both.
   *
   * @example
   * const total = await pool.readParquet("sales/", { columns: ["amount"] }).map(amountOf).reduce(add, 0);
   */
  readParquet<T = Record<string, unknown>>(
    paths: string | readonly string[],
    options: ParquetOptions = {},
  ): Collection<T> {
    return this.#files("readParquet", parquetSourceFactory(paths, options, this.workers));
  }

  #files<T>(method: string, makeSource: SourceFactory): Collection<T> {
    this.#assertOpen();
    if (!this.#runner.sharesFiles) throw filesNotShared(`${method}()`);
    return new Collection<T>(this.#runner, makeSource, [], defaultControls(this.#options.bounds));
  }

  /**
   * Finishes the resumable job kept under `name` in the cluster's ledgers (see
   * {@link JobOptions.resumable}) after the process that ran it died: its plan comes from the ledger,
   * its tasks by name from `modules` (the task modules the cluster's workers run), and only the chunks
   * the ledger lacks run. Resolves with the job's result and how many of its items were done before.
   *
   * @example
   * const { result, done, items } = await pool.resume("nightly-primes", ["./tasks.ts"]);
   */
  resume(name: string, modules: readonly string[]): Promise<Resumed> {
    this.#assertOpen();
    const ledger = ledgerName(name);
    return import("./resumable.ts").then(({ resumeJob }) =>
      resumeJob(this, this.#runner.ledgers, ledger, modules),
    );
  }

  /**
   * Runs `fn(...args)` on a worker and returns a future of its result. Arguments may be futures:
   * the call then waits for them, so futures form a graph that runs as soon as each input is ready.
   * Calls are batched into chunks, so thousands of small calls cost little more than one.
   */
  submit<A extends unknown[], R>(
    fn: TaskLike<A, R>,
    args: FutureArgs<A>,
    options: CallOptions = {},
  ): Future<Awaited<R>> {
    // Only a plain JavaScript caller can pass the argument itself: TypeScript refuses it.
    if (!Array.isArray(args)) {
      const got = preview(args);
      throw new OptionError(
        `submit(task, args) takes the task's arguments as an array: submit(task, [${got}]), got ${got}`,
      );
    }
    let settle!: Settle;
    const future = new Future<Awaited<R>>(
      new Promise((resolve, reject) => (settle = { resolve: resolve, reject })),
    );
    const { signal } = options;
    const timeoutMs = options.timeout === undefined ? undefined : positiveInteger("timeout", options.timeout);
    const group = {
      fn,
      timeoutMs,
      priority: options.priority === undefined ? 0 : priority(options.priority),
    };
    if (this.#dispatcher.closed) settle.reject(new PoolClosedError());
    else if (signal?.aborted) settle.reject(new AbortError(signal.reason));
    else {
      // A cancelled call's future rejects at once; if the call was already sent, its result is dropped.
      if (signal) {
        const onAbort = () => settle.reject(new AbortError(signal.reason));
        signal.addEventListener("abort", onAbort, { once: true });
        const stopListening = () => signal.removeEventListener("abort", onAbort);
        future.then(stopListening, stopListening);
      }
      const policy = options.retries === undefined ? taskRetryOf(fn) : resolveRetry(options.retries);
      const list = args as readonly unknown[];
      if (list.some((a) => a instanceof Future)) {
        Promise.all(list).then(
          (values) => this.#call(group, values, settle, policy),
          (error: unknown) =>
            settle.reject(new Error("an argument of this call is a future that failed", { cause: error })),
        );
      } else this.#call(group, list, settle, policy);
    }
    return future;
  }

  #call(
    { fn, timeoutMs, priority }: CallGroup,
    args: readonly unknown[],
    settle: Settle,
    policy = noRetries,
  ): void {
    // An inline function is often written at the call site, a new object each time: its source is its identity.
    const key =
      typeof fn === "function" && placeOf(fn) === undefined ? Function.prototype.toString.call(fn) : fn;
    const groupKey = `${timeoutMs}/${priority}`;
    let targets = this.#callTargets.get(groupKey);
    if (!targets) this.#callTargets.set(groupKey, (targets = new Map<unknown, CallTarget>()));
    let target = targets.get(key);
    if (target?.job) return target.job.call(args, settle, policy);
    if (target) return void target.waiting!.push([args, settle, policy]);
    target = { waiting: [[args, settle, policy]] };
    targets.set(key, target);
    const found = target;
    resolveTask(fn, this.#runner.acceptsInline).then(
      (ref) => {
        const schedule = (delayMs: number, then: () => void) => this.#dispatcher.schedule(delayMs, then);
        // A deadline covers a whole chunk, so calls with one travel alone: the deadline is the call's own.
        const concurrency = taskConcurrencyOf(fn) ?? 1;
        const bounds =
          timeoutMs === undefined
            ? boundsForConcurrency(this.#options.bounds, concurrency)
            : { minChunk: 1, maxChunk: 1 };
        const controls = { timeoutMs, priority, concurrency };
        const job = new CallJob(this.#nextJobId++, ref, bounds, schedule, controls);
        this.#dispatcher.start(job);
        for (const [a, s, p] of found.waiting!) job.call(a, s, p);
        found.job = job;
        found.waiting = undefined;
      },
      (error: Error) => {
        targets.delete(key);
        for (const [, s] of found.waiting!) s.reject(error);
      },
    );
  }

  /**
   * Runs `fn(...args)` once on every worker, and first of all on every worker that replaces one
   * later (after a crash, a deadline, recycling): for configuration and warming caches. Resolves
   * with each current worker's result, by worker, once all have run it; rejects with the first
   * failure. On every backend; on a cluster "every worker" is every thread of every `weft worker`,
   * and one that joins later runs it before its first chunk.
   *
   * @example
   * await pool.broadcast(setLogLevel, ["debug"]);
   */
  async broadcast<A extends unknown[], R>(fn: TaskLike<A, R>, args: A): Promise<Awaited<R>[]> {
    this.#assertOpen();
    const { backend } = this.#dispatcher;
    if (!Array.isArray(args))
      throw new OptionError(`broadcast(): the arguments must be an array, got ${typeof args}`);
    const ref = await resolveTask(fn, backend.acceptsInline);
    const spec: JobSpec = { id: this.#nextJobId++, stages: [], terminal: { op: "call", task: ref } };
    const chunk = { jobId: spec.id, seq: 0, start: 0, input: { kind: "items" as const, items: [args] } };
    const outcomes = await backend.broadcast(spec, chunk);
    return Promise.all(
      outcomes.map(async (pending, worker) => {
        const failed = (error: SerializedError) =>
          new TaskError(
            {
              task: `${describeTask(ref)}, broadcast to worker ${worker}`,
              index: worker,
              preview: preview(args),
            },
            deserializeError(error),
          );
        const outcome = await pending;
        if (!outcome.ok) throw failed(outcome.failure.error);
        const { values, failures } = outcome.partial as { values: unknown[]; failures: CallFailure[] };
        if (failures.length > 0) throw failed(failures[0]!.error);
        return values[0] as Awaited<R>;
      }),
    );
  }

  /**
   * Starts an actor: `factory` (a task) runs on one worker and returns an object, which stays
   * there with its state. The handle's methods run on it one after another, in the order called,
   * each returning a future; calls are sent at once, without waiting for the ones before. Actors
   * are spread over the workers, fewest first (on a cluster, over every thread of every
   * `weft worker`). Stop one with `await using` or `await actor[Symbol.asyncDispose]()`.
   *
   * @example
   * await using counter = await pool.actor(newCounter, [10]);
   * counter.add(1);
   * console.log(await counter.total()); // 11
   */
  async actor<A extends unknown[], T extends object>(
    factory: TaskLike<A, T | Promise<T>>,
    args: A,
    options: ActorOptions = {},
  ): Promise<Actor<T>> {
    this.#assertOpen();
    const { backend } = this.#dispatcher;
    if (!Array.isArray(args))
      throw new OptionError(`actor(): the factory's arguments must be an array, got ${typeof args}`);
    const pinned = await backend.pin();
    const host = {
      backend,
      nextJobId: () => this.#nextJobId++,
      closed: () => this.#dispatcher.closed,
      closing: this.#closing,
      running: this.#actors,
    };
    try {
      return await startActorOn<T>(host, pinned, factory, args, options);
    } catch (error) {
      pinned.release();
      throw error;
    }
  }

  /** The values of all `futures`, in order; rejects with the first failure. */
  gather<T extends readonly unknown[]>(futures: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
    return gather(futures);
  }

  /** Each future's value as soon as it is ready, with its index in `futures`. */
  asCompleted<T>(futures: readonly PromiseLike<T>[]): AsyncGenerator<Completed<T>> {
    return asCompleted(futures);
  }

  /**
   * Stops the actors still running (waiting at most {@link actorStopLimitMs} for calls still out),
   * then ends every worker. Jobs still running reject with PoolClosedError. Safe to call twice.
   */
  close(): Promise<void> {
    this.#closed ??= this.#shutDown();
    return this.#closed;
  }

  async #shutDown(): Promise<void> {
    // Actors' calls still out reject now, as jobs do.
    this.#rejectClosing(new PoolClosedError());
    if (this.#actors.size > 0) {
      // A cluster's workers outlive the pool: actors left there would never be dropped. Bounded,
      // since a stop waits behind the actor's calls still running.
      const stops = Promise.allSettled([...this.#actors].map((stop) => stop()));
      await Promise.race([stops, delay(actorStopLimitMs, undefined, { ref: false })]);
    }
    this.#dispatcher.close();
    await this.#dispatcher.backend.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #assertOpen(): void {
    if (this.#dispatcher.closed) throw new PoolClosedError();
  }
}
