// The service's jobs, as the API sees them: submitted past admission, queued, run by the runner of
// their kind, read back, cancelled, resubmitted; their progress and chunks told as events for the
// dashboard and the metrics. Everything the API reads or changes in the job store goes through here.
import { EventEmitter } from "node:events";
import { renderHtmlReport } from "../../scaling/html-report.ts";
import type { BenchResults } from "../../scaling/results.ts";
import type { ChunkRecord, Progress, RestartRecord, RetryRecord } from "../../events/events.ts";
import type { Pool } from "../../pool/pool.ts";
import { workloads } from "../../workloads/all.ts";
import type {
  JobDefinition,
  JobState,
  JobView,
  ListQuery,
  ServiceEvents,
  WorkersView,
} from "../api/types.ts";
import { isStoreFailure } from "../store/errors.ts";
import type { JobStore, Recovery, Retention } from "../store/job-store.ts";
import { Admission } from "./admission.ts";
import { RequestError } from "./errors.ts";
import { EventBridge } from "./event-bridge.ts";
import { JobPools } from "./job-pools.ts";
import { Recorder } from "./recorder.ts";
import { RunQueue } from "./run-queue.ts";
import { cannotResume, runJob } from "./runners/run-job.ts";
import type { TaskCatalog } from "./task-catalog.ts";

export interface JobServiceSettings {
  /** Jobs that run at once on the shared pool; the others wait, queued. */
  readonly maxRunning: number;
  /** Jobs one client may have queued or running. */
  readonly maxPerClient: number;
  /** The longest a job may run, in ms; past it the job fails. */
  readonly jobTimeoutMs: number;
  /** The most bytes (as JSON) a collecting job may store as its result. */
  readonly maxResultBytes: number;
  /** The most workers a job's own pool, or a bench run, may have. */
  readonly maxJobWorkers: number;
  /** Which finished jobs are kept. */
  readonly retention: Retention;
  /**
   * How often the leases of the jobs running here are renewed, and the store asked for jobs to take
   * over (queued, or whose replica's lease lapsed), in ms.
   */
  readonly leaseRenewalMs: number;
}

/** What the service emits: the API's event stream, plus what metrics count. */
export interface JobServiceEvents {
  job: [ServiceEvents["job"]];
  chunk: [ServiceEvents["chunk"]];
  workers: [ServiceEvents["workers"]];
  retry: [RetryRecord];
  restart: [RestartRecord];
}

export class JobService extends EventEmitter<JobServiceEvents> {
  readonly #store: JobStore;
  readonly #tasks: TaskCatalog;
  readonly #settings: JobServiceSettings;
  readonly #admission: Admission;
  readonly #bridge: EventBridge;
  readonly #pools: JobPools;
  readonly #recorder: Recorder;
  readonly #queue: RunQueue;
  readonly #workersTimer: NodeJS.Timeout;
  readonly #leaseTimer: NodeJS.Timeout;
  /** A renewal still under way when the next is due is not started twice. */
  #renewing = false;
  #draining = false;
  /** What became of the jobs the previous process left queued or running. */
  recovery: Recovery = { queued: [], resumed: 0, interrupted: 0 };

  /**
   * The service on `store` and `pool`, having taken over the jobs a stopped server left: queued ones
   * queue again, running ones run again from their ledgers (the pool's: a cluster's in Redis, else
   * the job store's) or are interrupted, saying why.
   */
  static async start(
    store: JobStore,
    pool: Pool,
    tasks: TaskCatalog,
    settings: JobServiceSettings,
  ): Promise<JobService> {
    const service = new JobService(store, pool, tasks, settings);
    try {
      await service.#recover();
    } catch (error) {
      await service.close();
      throw error;
    }
    return service;
  }

  private constructor(store: JobStore, pool: Pool, tasks: TaskCatalog, settings: JobServiceSettings) {
    super();
    this.#store = store;
    this.#tasks = tasks;
    this.#settings = settings;
    this.#admission = new Admission(tasks, {
      backend: pool.backend,
      maxJobWorkers: settings.maxJobWorkers,
      maxPerClient: settings.maxPerClient,
    });
    this.#bridge = new EventBridge({
      progress: (id, progress) => this.#progress(id, progress),
      chunk: (id, chunk) => this.#chunk(id, chunk),
      retry: (retry) => this.emit("retry", retry),
      restart: (restart) => this.emit("restart", restart),
    });
    this.#pools = new JobPools(pool, this.#bridge, store.ledgers);
    this.#recorder = new Recorder(store, (job) => this.emit("job", job));
    this.#queue = new RunQueue(settings, {
      recorder: this.#recorder,
      definitionOf: (id) => store.definition(id),
      run: (id, definition, signal) =>
        runJob(definition, {
          serviceJobId: id,
          signal,
          pools: this.#pools,
          admission: this.#admission,
          maxResultBytes: settings.maxResultBytes,
        }),
      ended: (id) => {
        this.#bridge.forget(id);
        this.#prune().catch((error: unknown) =>
          console.error("weft serve: the job store could not delete old jobs:", error),
        );
      },
    });
    this.#workersTimer = setInterval(() => this.emit("workers", this.workers()), 1000);
    this.#leaseTimer = setInterval(() => void this.#renew(), settings.leaseRenewalMs);
  }

  get pool(): Pool {
    return this.#pools.shared;
  }

  /** The tasks and built-in workloads jobs may name. */
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

  /**
   * Takes no new job from now on, and resolves once the running ones have ended or `timeoutMs` has
   * passed; jobs still queued stay in the store. For a server asked to stop (SIGTERM).
   */
  drain(timeoutMs: number): Promise<void> {
    this.#draining = true;
    return this.#queue.drain(timeoutMs);
  }

  /** Whether the service takes new jobs: false once it drains. */
  get accepting(): boolean {
    return !this.#draining;
  }

  /** Whether its job store answers (a read of one row's worth). */
  async storeAnswers(): Promise<boolean> {
    try {
      await this.#store.countByState();
      return true;
    } catch {
      return false;
    }
  }

  /** Checks the definition and the client's quota, records the job and queues it; its own view. */
  async submit(
    definition: JobDefinition,
    client: string,
    resubmittedFrom?: string,
    quota?: number,
  ): Promise<JobView> {
    if (this.#draining) {
      throw new RequestError(
        503,
        "draining",
        "the service is stopping and takes no new jobs: send it to another replica, or again once it is back",
      );
    }
    const label = this.#admission.label(definition);
    this.#admission.checkQuota(await this.#store.activeCount(client), quota);
    const job = await this.#store.create(definition, label, client, resubmittedFrom);
    this.emit("job", job);
    this.#queue.enqueue(job.id);
    return { ...job, definition };
  }

  async resubmit(id: string, client: string, quota?: number): Promise<JobView> {
    const old = await this.get(id);
    return this.submit(old.definition!, client, old.id, quota);
  }

  /** A job's own view, with its definition. */
  async get(id: string): Promise<JobView> {
    const job = await this.#store.get(id);
    if (!job) throw new RequestError(404, "not_found", `no job ${id}`);
    const unrecorded = this.#recorder.unrecorded(id);
    return unrecorded ? { ...unrecorded, definition: job.definition } : job;
  }

  /** The client that submitted job `id` (404 if there is none), for who may act on it. */
  async ownerOf(id: string): Promise<string> {
    const client = await this.#store.clientOf(id);
    if (client === undefined) throw new RequestError(404, "not_found", `no job ${id}`);
    return client;
  }

  /** Jobs newest first, without their definitions. */
  list(query: ListQuery): Promise<JobView[]> {
    const { before } = query;
    // date-time admits a leap second (23:59:60) that Date cannot hold.
    if (before !== undefined && Number.isNaN(Date.parse(before))) {
      throw new RequestError(
        400,
        "bad_request",
        `before must be a time such as 2026-01-31T12:00:00Z, got "${before}"`,
      );
    }
    return this.#store.list(query);
  }

  /** A page of a completed job's stored result. */
  async results(id: string, offset: number, limit: number) {
    const job = await this.get(id);
    if (job.state !== "completed") {
      throw new RequestError(
        409,
        "not_completed",
        `job ${job.id} is ${job.state}; results exist once it is completed`,
      );
    }
    const page = await this.#store.results(job.id, offset, limit);
    return { total: page.total, offset, entries: page.entries };
  }

  /** The HTML report of a finished bench job. */
  async report(id: string): Promise<string> {
    const job = await this.get(id);
    if (job.type !== "bench" || job.state !== "completed") {
      throw new RequestError(409, "no_report", `job ${id} is not a completed bench job, so it has no report`);
    }
    return renderHtmlReport((await this.#store.results(id, 0, 1)).entries[0] as BenchResults);
  }

  async cancel(id: string): Promise<JobView> {
    const job = await this.get(id);
    if (job.state !== "queued" && job.state !== "running") {
      throw new RequestError(
        409,
        "job_finished",
        `job ${id} is already ${job.state}; there is nothing to cancel`,
      );
    }
    // Recorded first: a store that cannot record it leaves the job as it was.
    const cancelled = await this.#store.cancel(id);
    this.#queue.cancel(id);
    this.emit("job", cancelled);
    return cancelled;
  }

  workers(): WorkersView {
    const pool = this.#pools.shared;
    return {
      backend: pool.backend,
      workers: pool.activity().map((poolJob, worker) => {
        const jobId = poolJob === undefined ? undefined : this.#bridge.ownerOf(pool, poolJob);
        return { worker, busy: poolJob !== undefined, ...(jobId && { jobId }) };
      }),
    };
  }

  /** How many jobs the store holds in each state. */
  countByState(): Promise<Record<JobState, number>> {
    return this.#store.countByState();
  }

  /** Stops what runs and leaves the queued ones queued: the next server on the store takes both over. */
  async close(): Promise<void> {
    clearInterval(this.#workersTimer);
    clearInterval(this.#leaseTimer);
    await this.#queue.close();
    // Another replica takes the jobs stopped here over at once, rather than when their leases lapse.
    await this.#store.release().catch((error: unknown) => {
      console.error(
        "weft serve: the job store could not release the leases of the jobs stopped here:",
        error,
      );
    });
  }

  /** A running job's progress, recorded and told. Progress is a hint: one the store cannot take is skipped. */
  #progress(id: string, progress: Progress): void {
    this.#store.progress(id, progress.done, progress.total, progress.rate).then(
      (job) => {
        if (job) this.emit("job", job);
      },
      (error: unknown) => {
        if (!isStoreFailure(error))
          console.error(`weft serve: the progress of job ${id} was not recorded:`, error);
      },
    );
  }

  #chunk(id: string, chunk: ChunkRecord): void {
    this.emit("chunk", {
      jobId: id,
      worker: chunk.worker,
      startedAt: chunk.startedAt,
      endedAt: chunk.endedAt,
      items: chunk.items,
      task: this.#queue.taskOf(id) ?? "job",
    });
  }

  /** Deletes finished jobs past the retention; a store that cannot is told in the log, and tried again later. */
  async #prune(): Promise<void> {
    try {
      await this.#store.prune(this.#settings.retention);
    } catch (error) {
      if (!isStoreFailure(error)) throw error;
      console.error("weft serve: the job store could not delete old jobs:", error);
    }
  }

  async #recover(): Promise<void> {
    await this.#store.watch((id) => this.#changedElsewhere(id));
    this.recovery = await this.#store.recover(cannotResume);
    for (const id of this.recovery.queued) this.#queue.enqueue(id);
    await this.#prune();
  }

  /** A job another replica created or changed, told to this one's event stream. */
  #changedElsewhere(id: string): void {
    this.#store.get(id).then(
      (job) => {
        if (!job) return;
        const { definition: _definition, ...view } = job;
        this.emit("job", view);
      },
      (error: unknown) =>
        console.error(`weft serve: job ${id}, changed by another replica, could not be read:`, error),
    );
  }

  /**
   * Renews the leases of the jobs running here, and stops those it no longer holds; then queues
   * the jobs to take over: those whose replica's lease lapsed, and those queued through another
   * replica (the first replica whose start of a job is recorded runs it).
   */
  async #renew(): Promise<void> {
    if (this.#renewing) return;
    this.#renewing = true;
    try {
      const held = this.#queue.held();
      if (held.length > 0) {
        const kept = new Set(await this.#store.renew(held));
        for (const id of held) if (!kept.has(id)) this.#queue.lose(id);
      }
      if (this.#draining) return;
      // The oldest few queued jobs: enough to fill this replica's places, and some to spare.
      const found = await this.#store.recover(cannotResume, 4 * this.#settings.maxRunning);
      if (found.resumed + found.interrupted > 0) {
        console.log(
          `weft serve: took over ${found.resumed + found.interrupted} jobs whose replica's lease lapsed: ` +
            `${found.resumed} run again from their settled chunks, ${found.interrupted} interrupted`,
        );
      }
      for (const id of found.queued) if (!this.#queue.knows(id)) this.#queue.enqueue(id);
    } catch (error) {
      console.error(
        "weft serve: the job store did not answer the renewal of leases; tried again soon:",
        error,
      );
    } finally {
      this.#renewing = false;
    }
  }
}
