// The service's jobs: accepted from the API, recorded in the store, run on the pool a few at a time,
// their progress and chunks turned into events for the dashboard and the metrics.
import { AsyncLocalStorage } from "node:async_hooks";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { EventEmitter } from "node:events";
import { renderHtmlReport } from "../bench/html-report.ts";
import type { BenchResults } from "../bench/results.ts";
import { renderScalingTable } from "../bench/table.ts";
import type { ChunkRecord, Progress, RestartRecord, RetryRecord } from "../events/events.ts";
import type { Collection } from "../plan/collection.ts";
import { weft, type Pool } from "../pool/pool.ts";
import { workloadNamed, workloads } from "../workloads/all.ts";
import * as builtInTasks from "../workloads/tasks.ts";
import type {
  BenchJob,
  JobDefinition,
  JobView,
  ServiceEvents,
  TaskJob,
  WorkersView,
  WorkloadJob,
} from "./api-types.ts";
import type { JobStore } from "./job-store.ts";
import { summarize } from "./summary.ts";
import type { TaskCatalog } from "./task-catalog.ts";

/** A request the service refuses, with the HTTP status that says why. */
export class RequestError extends Error {
  override name = "RequestError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface JobServiceSettings {
  /** Jobs that run at once on the shared pool; the others wait, queued. */
  readonly maxRunning: number;
  /** Jobs one client may have queued or running. */
  readonly maxPerClient: number;
}

/** What the service emits: the API's event stream, plus what metrics count. */
export interface JobServiceEvents {
  job: [ServiceEvents["job"]];
  chunk: [ServiceEvents["chunk"]];
  workers: [ServiceEvents["workers"]];
  retry: [RetryRecord];
  restart: [RestartRecord];
}

const execFileAsync = promisify(execFile);
const weftCommand = fileURLToPath(new URL("../../bin/weft.js", import.meta.url));

/** Workload sizes the service takes, as a multiple of each workload's default. */
const maxSizeFactor = 4;
/** The longest a job's serial part (synthetic's, on the server's thread) may run. */
const maxSerialMs = 100;

/** Progress events of one job, at most this often. */
const progressEveryMs = 250;

export class JobService extends EventEmitter<JobServiceEvents> {
  readonly #store: JobStore;
  readonly #pool: Pool;
  readonly #tasks: TaskCatalog;
  readonly #settings: JobServiceSettings;
  readonly #waiting: string[] = [];
  readonly #running = new Map<string, { controller: AbortController; done: Promise<void>; task: string }>();
  /** Which service job each pool job belongs to, found through the async context that started it. */
  readonly #context = new AsyncLocalStorage<string>();
  readonly #owner = new Map<number, string>();
  readonly #lastProgress = new Map<string, number>();
  readonly #workersTimer: NodeJS.Timeout;

  constructor(store: JobStore, pool: Pool, tasks: TaskCatalog, settings: JobServiceSettings) {
    super();
    this.#store = store;
    this.#pool = pool;
    this.#tasks = tasks;
    this.#settings = settings;
    this.#watch(pool);
    this.#workersTimer = setInterval(() => this.emit("workers", this.workers()), 1000);
  }

  get pool(): Pool {
    return this.#pool;
  }

  catalog() {
    return {
      tasks: this.#tasks.names(),
      workloads: [...workloads.values()].map((w) => ({
        name: w.name,
        summary: w.summary,
        unit: w.unit,
        defaultSize: w.defaultSize,
        quickSize: w.quickSize,
      })),
    };
  }

  /** Checks the definition names things that exist, records the job and queues it. */
  submit(definition: JobDefinition, client: string, resubmittedFrom?: string): JobView {
    const label = this.#label(definition);
    if (this.#store.activeCount(client) >= this.#settings.maxPerClient) {
      throw new RequestError(
        429,
        "too_many_jobs",
        `this client already has ${this.#settings.maxPerClient} jobs queued or running; wait for one to finish`,
      );
    }
    const job = this.#store.create(definition, label, client, resubmittedFrom);
    this.emit("job", job);
    this.#waiting.push(job.id);
    this.#startWaiting();
    return job;
  }

  resubmit(id: string, client: string): JobView {
    const old = this.get(id);
    return this.submit(old.definition, client, old.id);
  }

  get(id: string): JobView {
    const job = this.#store.get(id);
    if (!job) throw new RequestError(404, "not_found", `no job ${id}`);
    return job;
  }

  cancel(id: string): JobView {
    const job = this.get(id);
    if (job.state !== "queued" && job.state !== "running") {
      throw new RequestError(
        409,
        "job_finished",
        `job ${id} is already ${job.state}; there is nothing to cancel`,
      );
    }
    const at = this.#waiting.indexOf(id);
    if (at >= 0) this.#waiting.splice(at, 1);
    this.#running.get(id)?.controller.abort(new Error("cancelled through the API"));
    const cancelled = this.#store.cancel(id);
    this.emit("job", cancelled);
    return cancelled;
  }

  /** The HTML report of a finished bench job. */
  report(id: string): string {
    const job = this.get(id);
    if (job.type !== "bench" || job.state !== "completed") {
      throw new RequestError(409, "no_report", `job ${id} is not a completed bench job, so it has no report`);
    }
    return renderHtmlReport(this.#store.results(id, 0, 1).entries[0] as BenchResults);
  }

  workers(): WorkersView {
    return {
      backend: this.#pool.backend,
      workers: this.#pool.activity().map((poolJob, worker) => {
        const jobId = poolJob === undefined ? undefined : this.#owner.get(poolJob);
        return { worker, busy: poolJob !== undefined, ...(jobId && { jobId }) };
      }),
    };
  }

  /** Cancels what runs, leaves the queued ones queued (the store shows them interrupted next time). */
  async close(): Promise<void> {
    clearInterval(this.#workersTimer);
    this.#waiting.length = 0;
    const running = [...this.#running.values()];
    for (const { controller } of running) controller.abort(new Error("the server is stopping"));
    await Promise.allSettled(running.map((r) => r.done));
  }

  #label(definition: JobDefinition): string {
    switch (definition.type) {
      case "workload":
        return this.#checkWorkload(definition);
      case "task": {
        this.#task(definition.task);
        const { input } = definition;
        const over =
          "items" in input
            ? `${input.items.length.toLocaleString("en-US")} items`
            : `[${input.range.from}, ${input.range.to})`;
        return `${definition.op ?? "map"} ${definition.task} over ${over}`;
      }
      case "bench":
        for (const workload of definition.workloads) {
          this.#checkWorkload({
            type: "workload",
            workload,
            ...(definition.size !== undefined && { size: definition.size }),
          });
        }
        return `bench ${definition.workloads.join(", ")} on ${definition.workers.join(", ")} workers`;
    }
  }

  /**
   * A workload job's size is bounded: its reference data and any serial part live on the server's own
   * thread, so one request must not be able to stall or exhaust the service.
   */
  #checkWorkload(definition: WorkloadJob): string {
    const workload = this.#workload(definition.workload);
    const size = definition.size ?? workload.defaultSize;
    const largest = maxSizeFactor * workload.defaultSize;
    if (size > largest) {
      throw new RequestError(
        400,
        "too_large",
        `${workload.name} takes sizes up to ${largest.toLocaleString("en-US")} here (${maxSizeFactor}× its default); run larger ones with weft bench`,
      );
    }
    const { itemMicros, serialFraction } = { ...workload.knobDefaults, ...definition.knobs };
    if (itemMicros !== undefined && serialFraction !== undefined) {
      const serialMs = (size * itemMicros * serialFraction) / (1 - serialFraction) / 1000;
      if (serialMs > maxSerialMs) {
        throw new RequestError(
          400,
          "too_large",
          `the serial part of this job would hold the server's own thread for about ${Math.round(serialMs)} ms; ` +
            `keep size × itemMicros × serialFraction / (1 − serialFraction) under ${maxSerialMs * 1000} µs`,
        );
      }
    }
    try {
      return workload.describe(size);
    } catch (error) {
      throw new RequestError(400, "bad_size", (error as Error).message);
    }
  }

  #workload(name: string) {
    try {
      return workloadNamed(name);
    } catch (error) {
      throw new RequestError(400, "unknown_workload", (error as Error).message);
    }
  }

  #task(name: string) {
    const fn = this.#tasks.get(name);
    if (!fn) {
      throw new RequestError(
        400,
        "unknown_task",
        `unknown task "${name}": this service runs ${this.#tasks.names().join(", ") || "no tasks"} (start it with --tasks <module>)`,
      );
    }
    return fn;
  }

  #startWaiting(): void {
    while (this.#running.size < this.#settings.maxRunning && this.#waiting.length > 0) {
      const id = this.#waiting.shift()!;
      const controller = new AbortController();
      const done = this.#context.run(id, () => this.#run(id, controller.signal));
      this.#running.set(id, { controller, done, task: taskLabel(this.get(id).definition) });
    }
  }

  async #run(id: string, signal: AbortSignal): Promise<void> {
    const started = this.#store.start(id);
    this.emit("job", started);
    try {
      const { summary, entries } = await this.#execute(started.definition, signal);
      if (!signal.aborted) this.emit("job", this.#store.complete(id, summary, entries));
    } catch (error) {
      // A cancelled job is already recorded as such; anything else failed, said in one line.
      if (!signal.aborted) this.emit("job", this.#store.fail(id, oneLine(error)));
    } finally {
      this.#running.delete(id);
      this.#lastProgress.delete(id);
      this.#startWaiting();
    }
  }

  async #execute(
    definition: JobDefinition,
    signal: AbortSignal,
  ): Promise<{ summary: unknown; entries?: unknown[] }> {
    switch (definition.type) {
      case "workload":
        return this.#onPool(definition.options?.workers, (pool) =>
          this.#workloadJob(pool, definition, signal),
        );
      case "task":
        return this.#onPool(definition.options?.workers, (pool) => this.#taskJob(pool, definition, signal));
      case "bench":
        return this.#benchJob(definition, signal);
    }
  }

  /** On the shared pool, or on one of its own when the job asks for a number of workers. */
  async #onPool<T>(workers: number | undefined, use: (pool: Pool) => Promise<T>): Promise<T> {
    if (workers === undefined || workers === this.#pool.workers) return use(this.#pool);
    await using own = await weft({ workers });
    this.#watch(own);
    return await use(own);
  }

  async #workloadJob(pool: Pool, definition: WorkloadJob, signal: AbortSignal) {
    const workload = this.#workload(definition.workload);
    const size = definition.size ?? workload.defaultSize;
    const answer = await workload.parallel(pool, size, definition.knobs, {
      signal,
      ...jobOptions(definition.options),
    });
    return { summary: summarize(answer) };
  }

  async #taskJob(pool: Pool, definition: TaskJob, signal: AbortSignal) {
    // The catalog holds only weft tasks; what they take and return is known only at run time.
    const fn = this.#task(definition.task) as (item: unknown) => unknown;
    const { input } = definition;
    const source: Collection<unknown> =
      "items" in input
        ? pool.from(input.items)
        : (pool.range(input.range.from, input.range.to, input.range.step) as Collection<unknown>);
    const stepped = (definition.op === "filter" ? source.filter(fn) : source.map(fn)).options({
      signal,
      ...jobOptions(definition.options),
    });
    switch (definition.reduce ?? "collect") {
      case "count":
        return { summary: { value: await stepped.count() } };
      case "sum":
        return {
          summary: summarize(
            await stepped.reduce(builtInTasks.add as (a: unknown, b: unknown) => unknown, 0),
          ),
        };
      case "collect": {
        const entries = (await stepped.collect()).map((value) => summarize(value, "entry"));
        return { summary: { entries: entries.length }, entries };
      }
    }
  }

  /**
   * A benchmark runs in a `weft bench` process of its own: its sequential reference runs take seconds
   * on one thread, which must not be the server's.
   */
  async #benchJob(definition: BenchJob, signal: AbortSignal) {
    const dir = await mkdtemp(join(tmpdir(), "weft-bench-job-"));
    try {
      const json = join(dir, "results.json");
      const args = [weftCommand, "bench", ...definition.workloads, "--workers", definition.workers.join(",")];
      args.push("--repeat", String(definition.repeat ?? 3), "--json", json);
      if (definition.size !== undefined) args.push("--size", String(definition.size));
      else if (definition.quick) args.push("--quick");
      await execFileAsync(process.execPath, args, {
        signal,
        env: { ...process.env, CI: "1" },
        maxBuffer: 16 << 20,
      });
      const results = JSON.parse(await readFile(json, "utf8")) as BenchResults;
      return { summary: { table: renderScalingTable(results) }, entries: [results] };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Turns a pool's events into the service's: each pool job is owned by the service job that started it. */
  #watch(pool: Pool): void {
    pool.events.on("job", (record) => {
      const owner = this.#context.getStore();
      if (record.state === "started" && owner) this.#owner.set(record.jobId, owner);
      else if (record.state !== "started") this.#owner.delete(record.jobId);
    });
    pool.events.on("progress", (progress) => this.#progress(progress));
    pool.events.on("chunk", (chunk) => this.#chunk(chunk));
    pool.events.on("retry", (retry) => this.emit("retry", retry));
    pool.events.on("restart", (restart) => this.emit("restart", restart));
  }

  #progress(progress: Progress): void {
    const id = this.#owner.get(progress.jobId);
    if (!id) return;
    const now = Date.now();
    const last = this.#lastProgress.get(id) ?? 0;
    const finished = progress.total !== undefined && progress.done >= progress.total;
    if (now - last < progressEveryMs && !finished) return;
    this.#lastProgress.set(id, now);
    const job = this.#store.progress(id, progress.done, progress.total, progress.rate);
    if (job) this.emit("job", job);
  }

  #chunk(chunk: ChunkRecord): void {
    const id = this.#owner.get(chunk.jobId);
    if (!id) return;
    this.emit("chunk", {
      jobId: id,
      worker: chunk.worker,
      startedAt: chunk.startedAt,
      endedAt: chunk.endedAt,
      items: chunk.items,
      task: this.#running.get(id)?.task ?? "job",
    });
  }
}

function jobOptions(options: WorkloadJob["options"]) {
  return {
    ...(options?.retries !== undefined && { retries: options.retries }),
    ...(options?.timeoutMs !== undefined && { timeout: options.timeoutMs }),
  };
}

function taskLabel(definition: JobDefinition): string {
  return definition.type === "workload"
    ? definition.workload
    : definition.type === "task"
      ? definition.task
      : "bench";
}

/** The error's first line, with the server's file paths cut to file names: clients need what failed, not where it lives. */
function oneLine(error: unknown): string {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return message
    .split("\n")[0]!
    .replace(/file:\/\/\S*\/([^/\s)]+)/g, "$1")
    .slice(0, 2000);
}
