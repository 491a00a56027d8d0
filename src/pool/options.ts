// Pool options: what can be set, the defaults, and the checks that turn a bad value into a clear error.
import { availableParallelism, tmpdir, totalmem } from "node:os";
import { join, relative, resolve as resolvePath } from "node:path";
import { OptionError } from "../errors.ts";
import type { RedisOptions } from "../backends/redis/connection.ts";
import type { ChunkBounds } from "../scheduler/chunking.ts";
import type { TelemetryOptions } from "./telemetry.ts";

export type BackendName = "threads" | "processes" | "sequential" | "redis" | "web-workers";

export interface WeftOptions {
  /**
   * Where work runs: `"threads"` (worker threads, in parallel), `"processes"` (child processes:
   * isolation for code that must not share a process, at a higher cost per message) or
   * `"sequential"` (the same plan, one chunk at a time on the calling thread: the baseline for
   * comparisons and tests). In a web page, `"web-workers"` (module web workers, one per
   * `navigator.hardwareConcurrency`), the default of `weft()` from `weft/browser`.
   * @default "threads"
   */
  readonly backend?: BackendName;
  /**
   * The cluster's Redis: a URL (`redis://user:password@host:6379`, `rediss://` for TLS) or options
   * with a key prefix and TLS settings. Setting it selects the `"redis"` backend: chunks go to the
   * workers started with `weft worker --redis <the same URL>`, on any machine.
   */
  readonly redis?: string | RedisOptions;
  /**
   * Number of workers, or `"auto"` for one per core (`os.availableParallelism()`).
   * Ignored by the sequential backend, which has one. On a cluster, the chunks in flight at once
   * (`"auto"`: twice the threads of the cluster's workers when the pool starts).
   * @default "auto"
   */
  readonly workers?: number | "auto";
  /** Fewest input items per chunk. @default 1 */
  readonly minChunk?: number;
  /** Most input items per chunk. @default Infinity */
  readonly maxChunk?: number;
  /**
   * How many items of an iterable or async iterable input are read ahead of the workers. Reading
   * pauses beyond it, so a huge stream never fills memory.
   * @default 16384
   */
  readonly readAhead?: number;
  /**
   * How long a task has to stop after its abort signal fires (a cancelled job, a passed
   * deadline) before its worker is ended and replaced, in ms.
   * @default 1000
   */
  readonly graceMs?: number;
  /**
   * The heap each worker may use, in MB: a memory ceiling. A worker that passes it is stopped and
   * replaced, and its chunk runs again (a chunk that does it three times is reported as poison).
   * Threads and processes only; on a cluster it is `weft worker --max-heap-mb`.
   * @default Node's default
   */
  readonly maxWorkerHeapMb?: number;
  /**
   * Replace each worker after it has run this many tasks (items), to contain leaks in user code.
   * Threads and processes only; on a cluster it is `weft worker --max-tasks-per-worker`.
   * @default never
   */
  readonly maxTasksPerWorker?: number;
  /**
   * The memory each worker may give to keyed records (`reduceByKey`, `groupBy`, `distinct`, `join`
   * and `sortBy` with partitions), in MB; fractions are allowed. Past it, a worker writes what it
   * holds to the spill directory and goes on, and merges a partition in pieces on disk. An estimate
   * of the records' size, not a limit on the heap (that is `maxWorkerHeapMb`). When given, it also
   * sizes each thread or process worker's young generation, a sixteenth of it per semi-space (2 to
   * 64 MB), so that what a worker allocates and drops between collections stays within it too; that
   * costs speed where a job keeps many new objects (a distinct count).
   * @default an eighth of the machine's memory per worker, at most 256 MB
   */
  readonly memoryBudgetMb?: number;
  /**
   * The memory this process gives to results that came back ahead of an earlier chunk's and wait for
   * it (a job whose results are merged in input order: `collect`, `reduce`, a stream), in MB;
   * fractions are allowed. One slow chunk holds back every result after it; past this, they wait in
   * the spill directory and are read back in their turn. An estimate, like `memoryBudgetMb`.
   * @default an eighth of the machine's memory, at most 512 MB
   */
  readonly poolMemoryBudgetMb?: number;
  /**
   * Where keyed operations with partitions write their records (each job in a folder of its own,
   * removed when the job is over), and where this process puts results held past
   * `poolMemoryBudgetMb`. Every worker must see it: on a cluster, it must be under `dataRoot`.
   * @default os.tmpdir(); on a cluster, .weft-spill under dataRoot
   */
  readonly spillDirectory?: string;
  /**
   * On a cluster: the directory every `weft worker --data-root` shares with this machine (a network
   * file system), as mounted here. File sources, sinks and keyed operations with partitions need it;
   * their paths must lie under it, and travel relative to it.
   * @default none
   */
  readonly dataRoot?: string;
  /**
   * OpenTelemetry: a tracer (a span per job, and per attempt of each chunk, under which task code's
   * spans nest on every backend) and a meter (the pool's items, chunks, retries, restarts and queue
   * depth), from `@opentelemetry/api`. Costs nothing when absent. See docs/observability.md.
   * @default none
   */
  readonly telemetry?: TelemetryOptions;
}

export interface ResolvedOptions {
  readonly backend: BackendName;
  /** Undefined on a cluster with `"auto"`: the cluster's size decides. */
  readonly workers: number | undefined;
  readonly redis: string | RedisOptions | undefined;
  readonly bounds: ChunkBounds;
  readonly readAhead: number;
  readonly graceMs: number;
  readonly maxWorkerHeapMb: number | undefined;
  readonly maxTasksPerWorker: number | undefined;
  /** In bytes. */
  readonly memoryBudget: number;
  /** Each half of a worker's young generation, in MB, from a budget given; undefined: V8's. */
  readonly workerSemiSpaceMb: number | undefined;
  /** In bytes. */
  readonly poolMemoryBudget: number;
  readonly spillDirectory: string;
  /** Absolute; only on a cluster. */
  readonly dataRoot: string | undefined;
  readonly telemetry: TelemetryOptions | undefined;
}

const backends: readonly BackendName[] = ["threads", "processes", "sequential", "redis", "web-workers"];

export function resolveOptions(options: WeftOptions = {}): ResolvedOptions {
  const backend = options.backend ?? (options.redis === undefined ? "threads" : "redis");
  if (backend === "redis" && options.redis === undefined) {
    throw new OptionError(
      `the redis backend needs the cluster's address: weft({ redis: "redis://host:6379" })`,
    );
  }
  if (backend !== "redis" && options.redis !== undefined) {
    throw new OptionError(
      `redis is set, so the backend is "redis", but backend is "${backend}": drop one of them`,
    );
  }
  if (!backends.includes(backend)) {
    throw new OptionError(
      `unknown backend "${String(backend)}": use one of ${backends.map((b) => `"${b}"`).join(", ")}`,
    );
  }
  const auto = options.workers === undefined || options.workers === "auto";
  const workers = auto
    ? backend === "redis"
      ? undefined
      : availableParallelism()
    : positiveInteger("workers", options.workers, `a positive integer or "auto"`);
  const bounds = resolveBounds(options, { minChunk: 1, maxChunk: Infinity });
  const readAhead = options.readAhead === undefined ? 16384 : positiveInteger("readAhead", options.readAhead);
  const graceMs = options.graceMs === undefined ? 1000 : positiveInteger("graceMs", options.graceMs);
  const maxWorkerHeapMb =
    options.maxWorkerHeapMb === undefined
      ? undefined
      : workerLimit(backend, "maxWorkerHeapMb", options.maxWorkerHeapMb, "--max-heap-mb");
  const maxTasksPerWorker =
    options.maxTasksPerWorker === undefined
      ? undefined
      : workerLimit(backend, "maxTasksPerWorker", options.maxTasksPerWorker, "--max-tasks-per-worker");
  const memoryBudget =
    options.memoryBudgetMb === undefined
      ? defaultMemoryBudget(workers ?? availableParallelism())
      : positiveNumber("memoryBudgetMb", options.memoryBudgetMb) * mebibyte;
  const poolMemoryBudget =
    options.poolMemoryBudgetMb === undefined
      ? Math.min(512 * mebibyte, Math.floor(totalmem() / 8))
      : positiveNumber("poolMemoryBudgetMb", options.poolMemoryBudgetMb) * mebibyte;
  const dataRoot = resolveDataRoot(backend, options.dataRoot);
  const spillDirectory = resolveSpillDirectory(options.spillDirectory, dataRoot);
  return {
    maxTasksPerWorker,
    memoryBudget,
    workerSemiSpaceMb: options.memoryBudgetMb === undefined ? undefined : semiSpaceFor(memoryBudget),
    poolMemoryBudget,
    spillDirectory,
    dataRoot,
    backend,
    workers: backend === "sequential" ? 1 : workers,
    redis: options.redis,
    bounds,
    readAhead,
    graceMs,
    maxWorkerHeapMb,
    telemetry: resolveTelemetry(options.telemetry),
  };
}

function resolveTelemetry(telemetry: unknown): TelemetryOptions | undefined {
  if (telemetry === undefined) return undefined;
  const { tracer, meter } = (telemetry ?? {}) as { tracer?: unknown; meter?: unknown };
  const has = (value: unknown, method: string) =>
    typeof (value as Record<string, unknown> | null | undefined)?.[method] === "function";
  if (
    telemetry === null ||
    typeof telemetry !== "object" ||
    (tracer === undefined && meter === undefined) ||
    (tracer !== undefined && !has(tracer, "startSpan")) ||
    (meter !== undefined && !has(meter, "createCounter"))
  ) {
    throw new OptionError(
      "telemetry must be { tracer, meter } (either or both) from @opentelemetry/api: trace.getTracer(name) and metrics.getMeter(name)",
    );
  }
  return telemetry;
}

/** The cluster's shared directory, absolute; refused on the local backends, whose workers see this machine's files. */
function resolveDataRoot(backend: BackendName, dataRoot: unknown): string | undefined {
  if (dataRoot === undefined) return undefined;
  if (backend !== "redis") {
    throw new OptionError(
      `dataRoot is the directory a cluster's workers share; the ${backend} backend's workers see this machine's files already: drop it`,
    );
  }
  if (typeof dataRoot !== "string" || dataRoot === "")
    throw new OptionError(`dataRoot must be a path, got ${JSON.stringify(dataRoot)}`);
  return resolvePath(dataRoot);
}

/** Where shuffles write: on a cluster under the data root, where every worker sees it. */
function resolveSpillDirectory(given: unknown, dataRoot: string | undefined): string {
  if (given !== undefined && (typeof given !== "string" || given === ""))
    throw new OptionError(`spillDirectory must be a path, got ${JSON.stringify(given)}`);
  if (given === undefined) return dataRoot === undefined ? tmpdir() : join(dataRoot, ".weft-spill");
  const spillDirectory = resolvePath(given);
  if (dataRoot !== undefined && relative(dataRoot, spillDirectory).startsWith("..")) {
    throw new OptionError(
      `spillDirectory ${spillDirectory} must be under dataRoot ${dataRoot}: every worker writes there`,
    );
  }
  return spillDirectory;
}

const mebibyte = 1024 * 1024;

/** An eighth of the machine's memory per worker, at most 256 MB: room for the heap's own overhead and the caller. */
function defaultMemoryBudget(workers: number): number {
  return Math.min(256 * mebibyte, Math.floor(totalmem() / 8 / workers));
}

/**
 * A worker's young generation, sized from a memory budget. V8 sizes it for the main thread's
 * throughput (two semi-spaces of up to 64 MB each, without pointer compression), and a worker that
 * reads a file allocates and drops that much between collections on top of what it keeps: under a
 * 128 MiB budget a word count's worker grew by about 180 MB while its records held a few. A
 * sixteenth of the budget per semi-space keeps the two near it; a job that keeps many of its new
 * objects (a distinct count's table) then copies them more often, and runs slower, so the default
 * budget leaves V8's sizes alone.
 */
function semiSpaceFor(budget: number): number {
  return Math.min(64, Math.max(2, Math.floor(budget / 16 / mebibyte)));
}

/** Chunk bounds from `given`, the rest from `defaults`; whole numbers of items, min not above max. */
export function resolveBounds(given: Partial<ChunkBounds>, defaults: ChunkBounds): ChunkBounds {
  const minChunk =
    given.minChunk === undefined ? defaults.minChunk : positiveInteger("minChunk", given.minChunk);
  const maxChunk =
    given.maxChunk === undefined
      ? defaults.maxChunk
      : given.maxChunk === Infinity
        ? Infinity
        : positiveInteger("maxChunk", given.maxChunk, "a positive integer or Infinity");
  if (minChunk > maxChunk)
    throw new OptionError(`minChunk (${minChunk}) is larger than maxChunk (${maxChunk})`);
  return { minChunk, maxChunk };
}

/**
 * A limit on each worker, which only a pool that owns its workers can enforce: in process there is no
 * worker to replace, and a cluster's workers are set up by `weft worker` on their own machines.
 */
function workerLimit(backend: BackendName, name: string, value: unknown, workerFlag: string): number {
  if (backend === "sequential") {
    throw new OptionError(
      `${name} needs workers of its own to replace, and the sequential backend runs on this thread: use "threads" or "processes"`,
    );
  }
  if (backend === "web-workers" && name === "maxWorkerHeapMb") {
    throw new OptionError(
      `maxWorkerHeapMb cannot be enforced on web workers: a page cannot limit a worker's heap; drop it`,
    );
  }
  if (backend === "redis") {
    throw new OptionError(
      `${name} is set on each cluster worker, not on the pool: start the workers with weft worker ${workerFlag} <n>`,
    );
  }
  return positiveInteger(name, value);
}

export function positiveNumber(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new OptionError(`${name} must be a positive number, got ${String(value)}`);
  }
  return value;
}

/** A job's or call's `priority`: any integer, higher first. */
export function priority(value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new OptionError(
      `priority must be an integer (higher runs first, 0 by default), got ${typeof value === "string" ? `"${value}"` : String(value)}`,
    );
  }
  return value;
}

export function positiveInteger(name: string, value: unknown, expected = "a positive integer"): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new OptionError(
      `${name} must be ${expected}, got ${typeof value === "string" ? `"${value}"` : String(value)}`,
    );
  }
  return value;
}
