// A cluster worker: takes chunks from the cluster's BullMQ queue and runs them on its own threads.
// It runs only tasks exported by the modules it was started with; a chunk naming any other task is
// refused with an error naming it. Nothing that arrives through Redis is run as code.
import { randomUUID } from "node:crypto";
import { availableParallelism, hostname } from "node:os";
import { UnrecoverableError, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { WorkerError } from "../../errors.ts";
import type { ChunkOutcome } from "../../plan/plan.ts";
import { clusterTaskName, loadNamedTasks } from "../../task/named-tasks.ts";
import { markAsWorker } from "../../task/worker-scope.ts";
import type { ModuleTaskRef } from "../../task/task-ref.ts";
import type { RunningChunk } from "../backend.ts";
import type { PooledBackend } from "../pooled/pooled-backend.ts";
import { startThreadsBackend } from "../threads/threads-backend.ts";
import {
  checkRedis,
  closeBoundMs,
  resolveRedis,
  within,
  type RedisOptions,
  type ResolvedRedis,
} from "./connection.ts";
import { RedisClients } from "./clients.ts";
import { chunkQueueName, controlChannel, workerKey, type ControlMessage, type WorkerBeat } from "./keys.ts";
import { clusterNameOf } from "./task-names.ts";
import { decodeRequest, encode, MalformedMessageError, renameTasks, type ChunkReply } from "./wire.ts";

export interface ClusterWorkerOptions {
  readonly redis: string | RedisOptions;
  /** Paths or URLs of the task modules this worker serves. */
  readonly tasks: readonly string[];
  /** Chunks run at once, one per thread. @default one per core */
  readonly concurrency?: number;
  /** The heap each thread may use, in MB; a thread that passes it is replaced. @default Node's default */
  readonly maxHeapMb?: number;
  /** Replace each thread after it has run this many tasks (items). @default never */
  readonly maxTasksPerWorker?: number;
  /**
   * How long a chunk's lease lasts without renewal, in ms: if this worker dies, its chunks go to
   * other workers about this long after. @default 30000
   */
  readonly leaseMs?: number;
  /** Where the worker reports what it does. @default console.error */
  readonly log?: (line: string) => void;
}

const beatEveryMs = 2000;

export class ClusterWorker {
  readonly id = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  readonly #redis: ResolvedRedis;
  readonly #registry: ReadonlyMap<string, ModuleTaskRef>;
  /** The names of the tasks served, one per task. */
  readonly tasks: readonly string[];
  readonly #backend: PooledBackend;
  readonly #worker: Worker;
  readonly #control: Redis;
  readonly #log: (line: string) => void;
  readonly #freeThreads: number[];
  readonly #running = new Map<string, { thread: number; chunk: RunningChunk }>();
  /** Local job ids, by coordinator and its job id: each coordinator numbers its jobs from 0. */
  readonly #localJobs = new Map<string, number>();
  readonly #beat: NodeJS.Timeout;
  readonly #whenIdle: (() => void)[] = [];
  readonly #clients: RedisClients;
  readonly #startedAt = new Date().toISOString();
  #nextLocalJob = 0;
  #done = 0;
  #failed = 0;

  private constructor(
    redis: ResolvedRedis,
    registry: Map<string, ModuleTaskRef>,
    served: readonly string[],
    backend: PooledBackend,
    clients: RedisClients,
    options: ClusterWorkerOptions,
  ) {
    this.#redis = redis;
    this.#registry = registry;
    this.tasks = served;
    this.#backend = backend;
    this.#clients = clients;
    this.#control = clients.open();
    this.#log = options.log ?? ((line) => console.error(line));
    this.#freeThreads = Array.from({ length: backend.workers }, (_, i) => i);
    const leaseMs = options.leaseMs ?? 30_000;
    this.#worker = new Worker(chunkQueueName, (job) => this.#process(job), {
      connection: clients.open(),
      prefix: redis.prefix,
      concurrency: backend.workers,
      lockDuration: leaseMs,
      stalledInterval: leaseMs,
      maxStalledCount: 1,
      name: this.id,
    });
    this.#worker.on("error", (error) => this.#log(`redis: ${error.message}`));
    this.#beat = setInterval(() => void this.#heartbeat(), beatEveryMs);
  }

  static async start(options: ClusterWorkerOptions): Promise<ClusterWorker> {
    const redis = resolveRedis(options.redis);
    await checkRedis(redis);
    if (options.tasks.length === 0) {
      throw new WorkerError("a cluster worker needs at least one task module (--tasks ./tasks.ts)");
    }
    // The modules are loaded here and in each thread; a script among them stops at its `await weft()`.
    markAsWorker();
    const named = await loadNamedTasks(options.tasks);
    // By name, and by place too: a coordinator names a task by its place when no export holds it
    // (one defined in the script that starts the pool).
    const registry = new Map<string, ModuleTaskRef>();
    for (const { name, ref } of named.values()) {
      registry.set(name, ref);
      registry.set(clusterTaskName(ref.url, { index: ref.index }), ref);
    }
    const served = [...named.keys()];
    const backend = await startThreadsBackend(options.concurrency ?? availableParallelism(), {
      maxHeapMb: options.maxHeapMb,
      maxTasksPerWorker: options.maxTasksPerWorker,
    });
    // A lost Redis is reported by the BullMQ worker's error events, logged once.
    const clients = new RedisClients(redis.connection);
    const worker = new ClusterWorker(redis, registry, served, backend, clients, options);
    await worker.#listen();
    await worker.#heartbeat();
    return worker;
  }

  get concurrency(): number {
    return this.#backend.workers;
  }

  get where(): string {
    return this.#redis.where;
  }

  /** Stops taking chunks, lets the running ones finish, then ends its threads. */
  async close(): Promise<void> {
    clearInterval(this.#beat);
    const closing = this.#worker.close();
    // Running chunks finish on their threads whatever Redis does. Once they have, a close still
    // waiting is waiting on a Redis that is gone (BullMQ's close never returns then): it is cut short.
    await this.#idle();
    await within(closing, closeBoundMs).catch(() => void this.#worker.close(true));
    await within(this.#control.del(workerKey(this.#redis.prefix, this.id)), closeBoundMs).catch(() => {});
    await this.#clients.close();
    await this.#backend.close();
  }

  /** Resolves when no chunk is running here. */
  #idle(): Promise<void> {
    if (this.#running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#whenIdle.push(resolve));
  }

  async #listen(): Promise<void> {
    const subscriber = this.#clients.open();
    subscriber.on("message", (_channel: string, text: string) => this.#onControl(text));
    await subscriber.subscribe(controlChannel(this.#redis.prefix));
  }

  #onControl(text: string): void {
    let message: ControlMessage;
    try {
      message = JSON.parse(text) as ControlMessage;
    } catch {
      return this.#log(`ignored a control message that is not JSON: ${text.slice(0, 80)}`);
    }
    if (message.action === "forget") {
      const key = `${message.coordinator}:${message.jobId}`;
      const local = this.#localJobs.get(key);
      if (local !== undefined) this.#backend.forget(local);
      this.#localJobs.delete(key);
      return;
    }
    const running = this.#running.get(message.bullId);
    if (!running) return;
    // Rebuilt with its name, so a task that rethrows its signal's reason fails as a TimeoutError or AbortError.
    const reason = Object.assign(new Error(String(message.reason?.message)), {
      name: String(message.reason?.name),
    });
    if (message.action === "abort") running.chunk.abort(reason);
    else this.#backend.restart(running.thread, reason);
  }

  async #process(job: Job): Promise<{ payload: string }> {
    let request;
    try {
      request = decodeRequest((job.data as { payload?: unknown } | null)?.payload);
    } catch (error) {
      if (!(error instanceof MalformedMessageError)) throw error;
      this.#log(`refused chunk ${job.id ?? "(no id)"}: ${error.message}`);
      this.#failed++;
      throw new UnrecoverableError(error.message);
    }
    let spec;
    try {
      spec = renameTasks(request.spec, (ref) => this.#localTask(ref));
    } catch (error) {
      this.#failed++;
      return { payload: encode({ kind: "error", name: "WorkerError", message: (error as Error).message }) };
    }
    const key = `${request.coordinator}:${request.spec.id}`;
    let localJob = this.#localJobs.get(key);
    if (localJob === undefined) this.#localJobs.set(key, (localJob = this.#nextLocalJob++));
    const thread = this.#freeThreads.pop();
    if (thread === undefined)
      throw new Error("unreachable: BullMQ ran more chunks than the worker has threads");
    const running = this.#backend.run(
      thread,
      { ...spec, id: localJob },
      { ...request.chunk, jobId: localJob },
      true,
    );
    // The coordinator's deadline counts from here, when the tasks are loaded and the chunk runs.
    void running.started.then(() => job.updateProgress(1).catch(() => {}));
    this.#running.set(job.id!, { thread, chunk: running });
    let reply: ChunkReply;
    try {
      const outcome: ChunkOutcome = await running.outcome;
      reply = { kind: "outcome", outcome };
      this.#done++;
    } catch (error) {
      reply = { kind: "error", name: (error as Error).name, message: (error as Error).message };
      this.#failed++;
    } finally {
      this.#running.delete(job.id!);
      this.#freeThreads.push(thread);
      if (this.#running.size === 0) for (const resolve of this.#whenIdle.splice(0)) resolve();
    }
    try {
      return { payload: encode(reply) };
    } catch (error) {
      return { payload: encode({ kind: "error", name: "CloneError", message: (error as Error).message }) };
    }
  }

  #localTask(ref: ModuleTaskRef): ModuleTaskRef {
    const name = clusterNameOf(ref) ?? ref.url;
    const local = this.#registry.get(name);
    if (local) return local;
    throw new WorkerError(
      `task ${name} is not served by cluster worker ${this.id}, which serves ${this.tasks.join(", ")}: ` +
        `start the workers with --tasks <the module that exports it>`,
    );
  }

  async #heartbeat(): Promise<void> {
    const beat: WorkerBeat = {
      id: this.id,
      host: hostname(),
      pid: process.pid,
      concurrency: this.#backend.workers,
      cores: availableParallelism(),
      tasks: [...this.tasks],
      startedAt: this.#startedAt,
      running: this.#running.size,
      done: this.#done,
      failed: this.#failed,
    };
    const ttlSeconds = Math.ceil((5 * beatEveryMs) / 1000);
    await this.#control
      .set(workerKey(this.#redis.prefix, this.id), JSON.stringify(beat), "EX", ttlSeconds)
      .catch(() => {});
  }
}
