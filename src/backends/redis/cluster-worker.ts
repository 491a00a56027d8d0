// A cluster worker: takes chunks from the cluster's BullMQ queue and runs them on its own threads.
// It runs only tasks exported by the modules it was started with; a chunk naming any other task is
// refused with an error naming it. Nothing that arrives through Redis is run as code.
import { randomUUID } from "node:crypto";
import { availableParallelism, hostname, totalmem } from "node:os";
import { resolve as resolvePath } from "node:path";
import { UnrecoverableError, Worker, type Job as BullJob } from "bullmq";
import type { RedisClient } from "./connection.ts";
import { InterruptedError, WorkerError } from "../../errors.ts";
import { mapChunkPaths, mapSpecPaths, resolveUnderRoot, usesFiles } from "../../protocol/data-paths.ts";
import type { CallFailure, Chunk, ChunkOutcome, JobSpec } from "../../protocol/plan.ts";
import { actorTasksModule } from "../../runtime/actor-tasks.ts";
import { clusterTaskName, loadNamedTasks } from "../../task/named-tasks.ts";
import { markAsWorker } from "../../task/worker-scope.ts";
import type { ModuleTaskRef } from "../../protocol/task-ref.ts";
import type { ChunkHandle } from "../backend.ts";
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
import { workerTtlMs } from "./cluster-watch.ts";
import { CoordinatorWatch } from "./coordinator-watch.ts";
import {
  answersKey,
  broadcastsKey,
  chunkQueueName,
  controlChannel,
  coordinatorKey,
  inboxKey,
  presenceChannel,
  workerKey,
  workerSet,
  type WorkerBeat,
} from "./keys.ts";
import { isRefused, parseControl, parseDirectCall, type DirectAnswer, type DirectCall } from "./messages.ts";
import { mailboxTtlMs } from "./direct-line.ts";
import { PrimaryTracker } from "./primary.ts";
import { mailbox, type Mailbox } from "./mailbox.ts";
import { clusterNameOf } from "./task-names.ts";
import {
  decodeRequest,
  encodeReply,
  MalformedMessageError,
  renameChunkTasks,
  renameTasks,
  type ChunkReply,
  type ChunkRequest,
} from "./wire.ts";

export interface ClusterWorkerOptions {
  readonly redis: string | RedisOptions;
  /** Paths or URLs of the task modules this worker serves. */
  readonly tasks: readonly string[];
  /** Chunks run at once, one per thread. @default one per core */
  readonly concurrency?: number;
  /**
   * The heap each thread may use, in MB; a thread that passes it is replaced and its chunk fails as a
   * crash (a chunk that crashes three threads fails its job).
   * @default half the machine's memory shared among the threads, from 256 to 2048 MB ({@link defaultThreadHeapMb})
   */
  readonly maxHeapMb?: number;
  /** Replace each thread after it has run this many tasks (items). @default never */
  readonly maxTasksPerWorker?: number;
  /**
   * How long a chunk's lease lasts without renewal, in ms: the backstop for a worker that is alive but
   * stuck. A worker that dies has its chunks sent again by their coordinators within seconds (it left
   * its presence channel), one frozen or cut off once its heartbeat expires. @default 30000
   */
  readonly leaseMs?: number;
  /**
   * The shared directory this worker reads files from and writes them to (file sources, sinks,
   * shuffles), as mounted on this machine: paths in messages are resolved under it, and any that would
   * leave it is refused. Without it, the worker runs no job that touches files. @default none
   */
  readonly dataRoot?: string;
  /** Where the worker reports what it does. @default console.error */
  readonly log?: (line: string) => void;
}

const beatEveryMs = 2000;

/**
 * The heap each thread of a cluster worker may use unless told: half the machine's memory shared among
 * its threads, at least 256 MB and at most 2048 MB. Without a limit each thread could grow to Node's
 * own (up to 4 GB), past what the machine has when every thread does.
 */
export function defaultThreadHeapMb(threads: number): number {
  return Math.min(2048, Math.max(256, Math.floor(totalmem() / 2 ** 20 / 2 / threads)));
}

export class ClusterWorker {
  readonly id = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  readonly #redis: ResolvedRedis;
  readonly #registry: ReadonlyMap<string, ModuleTaskRef>;
  /** The names of the tasks served, one per task. */
  readonly tasks: readonly string[];
  readonly #backend: PooledBackend;
  readonly #worker: Worker;
  readonly #control: RedisClient;
  readonly #primary: PrimaryTracker;
  readonly #log: (line: string) => void;
  readonly #freeThreads: number[];
  readonly #running = new Map<string, { thread: number; handle: ChunkHandle; coordinator: string }>();
  /** Local job ids, by coordinator and its job id: each coordinator numbers its jobs from 0. */
  readonly #localJobs = new Map<string, Map<number, number>>();
  readonly #coordinators: CoordinatorWatch;
  readonly #inbox: Mailbox;
  /** The broadcasts run here, by `<coordinator>:<its job id>`: each runs once, however it arrives. */
  readonly #broadcasts = new Map<string, Promise<ChunkReply[]>>();
  /** The heap each thread may use, in MB. */
  readonly maxHeapMb: number;
  readonly #beat: NodeJS.Timeout;
  readonly #whenIdle: (() => void)[] = [];
  readonly #clients: RedisClients;
  readonly #startedAt = new Date().toISOString();
  readonly #dataRoot: string | undefined;
  #nextLocalJob = 0;
  #done = 0;
  #failed = 0;
  #skipped = 0;
  /** Chunks BullMQ gave this worker that have not ended yet (running, or being checked before they run). */
  #taken = 0;

  private constructor(
    redis: ResolvedRedis,
    registry: Map<string, ModuleTaskRef>,
    served: readonly string[],
    backend: PooledBackend,
    maxHeapMb: number,
    clients: RedisClients,
    options: ClusterWorkerOptions,
  ) {
    this.maxHeapMb = maxHeapMb;
    this.#redis = redis;
    this.#registry = registry;
    this.tasks = served;
    this.#backend = backend;
    this.#clients = clients;
    this.#control = clients.open();
    this.#primary = new PrimaryTracker(this.#control, redis.prefix);
    this.#log = options.log ?? ((line) => console.error(line));
    this.#dataRoot = options.dataRoot === undefined ? undefined : resolvePath(options.dataRoot);
    this.#freeThreads = Array.from({ length: backend.workers }, (_, i) => i);
    const leaseMs = options.leaseMs ?? 30_000;
    this.#worker = new Worker(chunkQueueName, (bullJob) => this.#process(bullJob), {
      connection: clients.open(),
      prefix: redis.prefix,
      concurrency: backend.workers,
      lockDuration: leaseMs,
      stalledInterval: leaseMs,
      maxStalledCount: 1,
      name: this.id,
      // Started once the broadcasts of the coordinators there have run (start()).
      autorun: false,
    });
    this.#worker.on("error", (error) => this.#log(`redis: ${error.message}`));
    this.#beat = setInterval(() => void this.#heartbeat(), beatEveryMs);
    // Back after a lost connection (Redis may have restarted empty): beats at once, so that no
    // coordinator takes its missing heartbeat for a death.
    this.#control.on("ready", () => void this.#heartbeat());
    this.#coordinators = new CoordinatorWatch(this.#control, redis.prefix, (c) => this.#coordinatorGone(c));
    this.#inbox = mailbox(clients.open(true), inboxKey(redis.prefix, this.id), (text) =>
      this.#onDirect(text),
    );
    this.#coordinators.start(() => this.#localJobs.keys());
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
    // Weft's own tasks for actors, for coordinators that start actors here; an actor's factory is
    // checked against the modules served like any task.
    for (const { name, ref } of (await loadNamedTasks([actorTasksModule])).values()) {
      if (registry.has(name))
        throw new WorkerError(`a task module defines ${name}, which is weft's own: rename it`);
      registry.set(name, ref);
    }
    const served = [...named.keys()];
    const threads = options.concurrency ?? availableParallelism();
    const maxHeapMb = options.maxHeapMb ?? defaultThreadHeapMb(threads);
    const backend = await startThreadsBackend(threads, {
      maxHeapMb,
      maxTasksPerWorker: options.maxTasksPerWorker,
      // Each job brings its own memory budget, after the threads have started: V8 sizes their young generation.
      semiSpaceMb: undefined,
    });
    // A lost Redis is reported by the BullMQ worker's error events, logged once.
    const clients = new RedisClients(redis);
    const worker = new ClusterWorker(redis, registry, served, backend, maxHeapMb, clients, options);
    await worker.#listen();
    // In the cluster's set of workers first: a coordinator that broadcasts from now on sends it the call.
    await worker.#heartbeat();
    await worker.#joinBroadcasts();
    worker.#worker.run().catch((error: Error) => worker.#log(`stopped taking chunks: ${error.message}`));
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
    // Until then the worker stays present (its subscription, its heartbeat), so no coordinator sends
    // its chunks again.
    await this.#idle();
    this.#coordinators.stop();
    await within(closing, closeBoundMs).catch(() => void this.#worker.close(true));
    const { prefix } = this.#redis;
    await within(
      this.#control
        .multi()
        .del(workerKey(prefix, this.id), inboxKey(prefix, this.id))
        .srem(workerSet(prefix), this.id)
        .exec(),
      closeBoundMs,
    ).catch(() => {});
    const reading = this.#inbox.stop();
    await this.#clients.close();
    // A read queued while Redis is down is never answered once its connection is cut: bounded.
    await within(reading, closeBoundMs).catch(() => {});
    await this.#backend.close();
  }

  /** Resolves when no chunk is running here, nor being taken. */
  #idle(): Promise<void> {
    if (this.#taken === 0) return Promise.resolve();
    return new Promise((resolve) => this.#whenIdle.push(resolve));
  }

  async #listen(): Promise<void> {
    const subscriber = this.#clients.open();
    const control = controlChannel(this.#redis.prefix);
    subscriber.on("message", (channel: string, text: string) => channel === control && this.#onControl(text));
    // The presence channel says this worker is there for as long as its connection is: coordinators
    // send its chunks again within a moment of its death.
    await subscriber.subscribe(control, presenceChannel(this.#redis.prefix, this.id));
    this.#inbox.start();
  }

  /** A control message, checked first: a malformed one is refused and logged, and the worker serves on. */
  #onControl(text: string): void {
    const message = parseControl(text);
    if (isRefused(message)) {
      this.#log(`refused a control message (${message.refused}): ${String(text).slice(0, 80)}`);
      return;
    }
    if (message.action === "forget") {
      const jobs = this.#localJobs.get(message.coordinator);
      const local = jobs?.get(message.jobId);
      if (local === undefined) return;
      this.#backend.forget(local);
      this.#broadcasts.delete(`${message.coordinator}:${message.jobId}`);
      jobs!.delete(message.jobId);
      if (jobs!.size === 0) this.#localJobs.delete(message.coordinator);
      return;
    }
    const running = this.#running.get(message.bullId);
    // Not running here: it may still be waiting in BullMQ, and come here later.
    if (!running) return this.#coordinators.noteStopped(message.bullId);
    // Rebuilt with its name, so a task that rethrows its signal's reason fails as a TimeoutError or AbortError.
    const reason = Object.assign(new Error(message.reason.message), { name: message.reason.name });
    if (message.action === "abort") running.handle.abort(reason);
    else this.#backend.restart(running.thread, reason);
  }

  /** A coordinator is gone: its chunks running here stop, and the jobs kept for it are dropped. */
  #coordinatorGone(coordinator: string): void {
    const reason = new InterruptedError(`coordinator ${coordinator} is gone`);
    for (const { coordinator: owner, thread } of this.#running.values()) {
      if (owner === coordinator) this.#backend.restart(thread, reason);
    }
    for (const local of this.#localJobs.get(coordinator)?.values() ?? []) this.#backend.forget(local);
    this.#localJobs.delete(coordinator);
    for (const key of this.#broadcasts.keys())
      if (key.startsWith(`${coordinator}:`)) this.#broadcasts.delete(key);
    this.#log(`coordinator ${coordinator} is gone: stopped its chunks here and dropped its jobs`);
  }

  /** Runs a chunk BullMQ gave this worker; close() waits for every one of them to end. */
  async #process(bullJob: BullJob): Promise<{ payload: string }> {
    this.#taken++;
    try {
      return await this.#take(bullJob);
    } finally {
      this.#untake();
    }
  }

  async #take(bullJob: BullJob): Promise<{ payload: string }> {
    let request;
    try {
      request = decodeRequest(bullJob.data);
    } catch (error) {
      if (!(error instanceof MalformedMessageError)) throw error;
      this.#log(`refused chunk ${bullJob.id ?? "(no id)"}: ${error.message}`);
      this.#failed++;
      throw new UnrecoverableError(error.message);
    }
    const bullId = bullJob.id!;
    const { coordinator } = request;
    let local;
    try {
      local = this.#local(request);
    } catch (error) {
      this.#failed++;
      return {
        payload: encodeReply({ kind: "error", name: "WorkerError", message: (error as Error).message }),
      };
    }
    const skip = await this.#coordinators.whyNot(bullId, coordinator);
    if (skip) {
      this.#skipped++;
      const message = `chunk ${bullId} was not run: ${skip}`;
      return { payload: encodeReply({ kind: "error", name: "InterruptedError", message }) };
    }
    const { spec, chunk } = this.#localIds(coordinator, local);
    const thread = this.#freeThreads.pop();
    if (thread === undefined)
      throw new Error("unreachable: BullMQ ran more chunks than the worker has threads");
    const handle = this.#backend.run(thread, spec, chunk, true);
    // The coordinator's deadline counts from here, when the tasks are loaded and the chunk runs; the
    // same message names the worker that holds the chunk, for the coordinator's watch. Until then the
    // watch finds the holder where BullMQ noted who took the job (cluster-watch.ts): one message a chunk.
    void handle.started.then(() =>
      bullJob.updateProgress({ worker: this.id, running: true }).catch(() => {}),
    );
    this.#running.set(bullId, { thread, handle, coordinator });
    let reply: ChunkReply;
    try {
      reply = await replyOf(handle.outcome);
    } finally {
      this.#running.delete(bullId);
      this.#freeThreads.push(thread);
    }
    if (reply.kind === "outcome") this.#done++;
    else this.#failed++;
    return { payload: encodeReplyOrCloneError(reply) };
  }

  /** The request with this worker's tasks (refused if it names one not served here) and, for a job with files, paths. */
  #local({ spec, chunk }: ChunkRequest): { spec: JobSpec; chunk: Chunk } {
    const rename = (ref: ModuleTaskRef) => this.#localTask(ref);
    spec = renameTasks(spec, rename);
    chunk = renameChunkTasks(chunk, rename);
    if (!usesFiles(spec, chunk)) return { spec, chunk };
    const fromRoot = this.#fromDataRoot();
    return { spec: mapSpecPaths(spec, fromRoot), chunk: mapChunkPaths(chunk, fromRoot) };
  }

  /** The chunk under this worker's own id for its job: each coordinator numbers its jobs from 0. */
  #localIds(coordinator: string, { spec, chunk }: { spec: JobSpec; chunk: Chunk }) {
    let jobs = this.#localJobs.get(coordinator);
    if (!jobs) this.#localJobs.set(coordinator, (jobs = new Map<number, number>()));
    let localJob = jobs.get(spec.id);
    if (localJob === undefined) jobs.set(spec.id, (localJob = this.#nextLocalJob++));
    return { spec: { ...spec, id: localJob }, chunk: { ...chunk, jobId: localJob } };
  }

  /**
   * A call a coordinator sent this worker by itself: an actor's, for one thread, run at once behind
   * what that thread runs; or a broadcast, for every thread. Answered on the coordinator's list.
   */
  #onDirect(text: string): void {
    const call = parseDirectCall(text);
    if (isRefused(call)) return this.#log(`refused a direct call (${call.refused}): ${text.slice(0, 80)}`);
    const { coordinator, thread } = call;
    let replies: Promise<ChunkReply[]>;
    try {
      const { jobId, spec, chunk } = this.#directChunk(call);
      replies =
        thread === "all"
          ? this.#broadcast(coordinator, jobId, spec, chunk)
          : replyOf(this.#backend.run(thread, spec, chunk, false).outcome).then((reply) => [reply]);
    } catch (error) {
      replies = Promise.resolve([{ kind: "error", name: "WorkerError", message: (error as Error).message }]);
    }
    this.#taken++;
    void replies.then((all) => this.#answer(coordinator, call.call, all)).finally(() => this.#untake());
  }

  /**
   * A direct call's chunk, checked as a queued one is (and no files: broadcasts and actors read
   * none), under this worker's own tasks and job id; `jobId` is its coordinator's.
   */
  #directChunk({ coordinator, thread, message }: DirectCall): { jobId: number; spec: JobSpec; chunk: Chunk } {
    const request = decodeRequest(message);
    if (request.coordinator !== coordinator)
      throw new WorkerError("a direct call for another coordinator's chunk");
    if (thread !== "all" && thread >= this.#backend.workers)
      throw new WorkerError(
        `no thread ${thread} here: cluster worker ${this.id} has ${this.#backend.workers}`,
      );
    const local = this.#local(request);
    if (usesFiles(local.spec, local.chunk)) throw new WorkerError("a direct call that reads or writes files");
    return { jobId: request.spec.id, ...this.#localIds(coordinator, local) };
  }

  /** Runs a broadcast on every thread, and on every thread that replaces one, once, however often it arrives. */
  #broadcast(coordinator: string, jobId: number, spec: JobSpec, chunk: Chunk): Promise<ChunkReply[]> {
    const key = `${coordinator}:${jobId}`;
    let replies = this.#broadcasts.get(key);
    if (!replies) {
      // Queued on every thread at once (before any chunk taken after it), though it resolves later.
      replies = this.#backend.broadcast(spec, chunk).then((outcomes) => Promise.all(outcomes.map(replyOf)));
      this.#broadcasts.set(key, replies);
    }
    return replies;
  }

  /**
   * Runs the broadcasts of the coordinators still there, before this worker takes its first chunk;
   * those of coordinators that are gone are removed. Nobody waits for these: a failure is logged.
   */
  async #joinBroadcasts(): Promise<void> {
    const { prefix } = this.#redis;
    const entries = Object.entries(await this.#control.hgetall(broadcastsKey(prefix)));
    if (entries.length === 0) return;
    const coordinatorOf = (field: string) => field.slice(0, field.lastIndexOf(":"));
    const present = await this.#control
      .pipeline(entries.map(([field]) => ["exists", coordinatorKey(prefix, coordinatorOf(field))]))
      .exec();
    const gone: string[] = [];
    entries.forEach(([field, text], i) => {
      if (present?.[i]?.[1] !== 1) return void gone.push(field);
      const call = parseDirectCall(text);
      if (isRefused(call) || call.thread !== "all" || call.coordinator !== coordinatorOf(field))
        return this.#log(`refused a broadcast left in Redis (${field}): not this coordinator's broadcast`);
      try {
        const { jobId, spec, chunk } = this.#directChunk(call);
        void this.#broadcast(call.coordinator, jobId, spec, chunk).then((replies) => {
          const why = replies.map(failureOf).find((failure) => failure !== undefined);
          if (why) this.#log(`broadcast ${field} failed here: ${why}`);
        });
      } catch (error) {
        this.#log(`refused a broadcast left in Redis (${field}): ${(error as Error).message}`);
      }
    });
    if (gone.length > 0) await this.#control.hdel(broadcastsKey(prefix), ...gone);
  }

  async #answer(coordinator: string, call: number, replies: ChunkReply[]): Promise<void> {
    const answers = answersKey(this.#redis.prefix, coordinator);
    const answer: DirectAnswer = { call, worker: this.id, replies: replies.map(encodeReplyOrCloneError) };
    await this.#control
      .multi()
      .rpush(answers, JSON.stringify(answer))
      .pexpire(answers, mailboxTtlMs)
      .exec()
      .catch((error: Error) => this.#log(`could not answer coordinator ${coordinator}: ${error.message}`));
  }

  /** One chunk or call taken here has ended; close() waits for none to be left. */
  #untake(): void {
    if (--this.#taken === 0) for (const resolve of this.#whenIdle.splice(0)) resolve();
  }
  /** Paths in a message, resolved under this worker's data root; a job with files needs one. */
  #fromDataRoot(): (path: string) => string {
    const root = this.#dataRoot;
    if (root === undefined) {
      throw new WorkerError(
        `cluster worker ${this.id} was started without --data-root, so it reads and writes no files: ` +
          "start the workers with --data-root <the directory they share>",
      );
    }
    return (path) => resolveUnderRoot(root, path);
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
      maxHeapMb: this.maxHeapMb,
      tasks: [...this.tasks],
      startedAt: this.#startedAt,
      running: this.#running.size,
      done: this.#done,
      failed: this.#failed,
      skipped: this.#skipped,
      jobs: [...this.#localJobs.values()].reduce((n, jobs) => n + jobs.size, 0),
      redis: await this.#primary.read(),
    };
    const { prefix } = this.#redis;
    // In the cluster's set of worker ids, which readers go through instead of scanning every key.
    await this.#control
      .multi()
      .set(workerKey(prefix, this.id), JSON.stringify(beat), "PX", workerTtlMs)
      .sadd(workerSet(prefix), this.id)
      .exec()
      .catch(() => {});
  }
}

/** How a chunk ended, as the reply a cluster worker sends. */
async function replyOf(outcome: Promise<ChunkOutcome>): Promise<ChunkReply> {
  try {
    return { kind: "outcome", outcome: await outcome };
  } catch (error) {
    return { kind: "error", name: (error as Error).name, message: (error as Error).message };
  }
}

/** The reply encoded, or, if its outcome cannot travel, the reason as a CloneError. */
function encodeReplyOrCloneError(reply: ChunkReply): string {
  try {
    return encodeReply(reply);
  } catch (error) {
    return encodeReply({ kind: "error", name: "CloneError", message: (error as Error).message });
  }
}

/** Why a call's chunk failed, or undefined if its call returned. */
function failureOf(reply: ChunkReply): string | undefined {
  if (reply.kind === "error") return reply.message;
  const { outcome } = reply;
  if (!outcome.ok) return outcome.failure.error.message;
  return (outcome.partial as { failures: CallFailure[] }).failures[0]?.error.message;
}
