// A cluster worker: takes chunks from the cluster's queue and runs them on its own threads.
// It runs only tasks exported by the modules it was started with; a chunk naming any other task is
// refused with an error naming it. Nothing that arrives through Redis is run as code.
import { randomUUID } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { availableParallelism, hostname, totalmem } from "node:os";
import { resolve as resolvePath } from "node:path";
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
import { chunksHeld, putBack } from "./chunk-census.ts";
import { takenTtlMs, workerTtlMs } from "./cluster-watch.ts";
import { CoordinatorWatch } from "./coordinator-watch.ts";
import {
  answersKey,
  broadcastsKey,
  controlChannel,
  coordinatorKey,
  inboxKey,
  presenceChannel,
  queueKey,
  repliesKey,
  takenKey,
  workerKey,
  workerSet,
  type WorkerBeat,
} from "./keys.ts";
import { isRefused, parseControl, parseDirectCall, type DirectAnswer, type DirectCall } from "./messages.ts";
import { mailboxTtlMs } from "./direct-line.ts";
import { PrimaryTracker } from "./primary.ts";
import { mailbox, type Mailbox } from "./mailbox.ts";
import { idOf, parseQueued, replyEntry, startedEntry, type QueuedChunk } from "./queue-entries.ts";
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
   * The shared directory this worker reads files from and writes them to (file sources, sinks,
   * shuffles), as mounted on this machine: paths in messages are resolved under it, and any that would
   * leave it is refused. Without it, the worker runs no job that touches files. @default none
   */
  readonly dataRoot?: string;
  /** Where the worker reports what it does. @default console.error */
  readonly log?: (line: string) => void;
}

const beatEveryMs = 2000;
/** How long one take waits on an empty queue, in seconds, before it asks again. */
const takeBlockSeconds = 5;

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
  readonly #control: RedisClient;
  /** The connection that waits on the queue: a blocking read holds it. */
  readonly #taker: RedisClient;
  #taking: Promise<void> | undefined;
  #closing = false;
  /** Resolves as the worker closes: a take in progress is given up, whatever its connection does. */
  readonly #stopTaking: Promise<null>;
  #stoppedTaking!: () => void;
  /** Called when a thread comes free while the taker waits for one. */
  #threadFreed: (() => void) | undefined;
  readonly #primary: PrimaryTracker;
  readonly #log: (line: string) => void;
  readonly #freeThreads: number[];
  /** The chunks running here, by chunk id. */
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
  /** Chunks and direct calls taken here that have not been answered yet. */
  #taken = 0;
  /** The ids of the chunks taken from the queue and not yet answered. */
  readonly #handling = new Set<string>();
  /** The chunks in this worker's list that it did not hold at the last look. */
  #strays = new Set<string>();

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
    this.#taker = clients.open(true);
    this.#stopTaking = new Promise((resolve) => (this.#stoppedTaking = () => resolve(null)));
    this.#beat = setInterval(() => void this.#heartbeat().then(() => this.#returnStrays()), beatEveryMs);
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
    const clients = new RedisClients(redis);
    const worker = new ClusterWorker(redis, registry, served, backend, maxHeapMb, clients, options);
    await worker.#listen();
    // In the cluster's set of workers first: a coordinator that broadcasts from now on sends it the call.
    await worker.#heartbeat();
    await worker.#joinBroadcasts();
    worker.#taking = worker.#takeChunks();
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
    this.#closing = true;
    this.#threadFreed?.();
    // A take in progress is given up, and its connection cut, so that Redis moves no chunk for it
    // from now on. If it had already moved one, the chunk is in this worker's list, and goes back below.
    this.#stoppedTaking();
    this.#taker.disconnect();
    await this.#taking;
    // Running chunks finish on their threads whatever Redis does. Until they have, the worker stays
    // present (its subscription, its heartbeat), so no coordinator sends its chunks again.
    await this.#idle();
    this.#coordinators.stop();
    const { prefix } = this.#redis;
    const taken = takenKey(prefix, this.id);
    await within(
      (async () => {
        // Taken and never started: back to the head of the queue, for the next worker.
        while ((await this.#control.lmove(taken, queueKey(prefix), "LEFT", "RIGHT")) !== null);
        await this.#control
          .multi()
          .del(workerKey(prefix, this.id), inboxKey(prefix, this.id), taken)
          .srem(workerSet(prefix), this.id)
          .exec();
      })(),
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
    const running = this.#running.get(message.chunkId);
    // Not running here: it may still be in the queue, or on its way here.
    if (!running) return this.#coordinators.noteStopped(message.chunkId);
    // Rebuilt with its name, so a task that rethrows its signal's reason fails as a TimeoutError or AbortError.
    const reason = Object.assign(new Error(message.reason.message), { name: message.reason.name });
    if (message.action === "abort") running.handle.abort(reason);
    else this.#backend.restart(running.thread, reason);
  }

  /** A coordinator is gone: its chunks running here stop, and the jobs kept for it are dropped. */
  #coordinatorGone(coordinator: string): void {
    // Nobody reads its replies any more: those sent before now go, and none is sent after (#run).
    this.#control.del(repliesKey(this.#redis.prefix, coordinator)).catch(() => {});
    const reason = new InterruptedError(`coordinator ${coordinator} is gone`);
    let stopped = 0;
    for (const { coordinator: owner, thread } of this.#running.values()) {
      if (owner !== coordinator) continue;
      this.#backend.restart(thread, reason);
      stopped++;
    }
    const jobs = this.#localJobs.get(coordinator);
    for (const local of jobs?.values() ?? []) this.#backend.forget(local);
    this.#localJobs.delete(coordinator);
    for (const key of this.#broadcasts.keys())
      if (key.startsWith(`${coordinator}:`)) this.#broadcasts.delete(key);
    // A pool that closed after its jobs ended left nothing here: nothing to say.
    if (stopped > 0 || (jobs?.size ?? 0) > 0)
      this.#log(`coordinator ${coordinator} is gone: stopped its chunks here and dropped its jobs`);
  }

  /**
   * Takes chunks while a thread is free, oldest first, each moved in one command from the queue to
   * this worker's list of taken chunks, where it stays until its reply is sent.
   */
  async #takeChunks(): Promise<void> {
    const { prefix } = this.#redis;
    const [queue, taken] = [queueKey(prefix), takenKey(prefix, this.id)];
    let failures = 0;
    while (!this.#closing) {
      if (this.#freeThreads.length === 0) {
        await new Promise<void>((resolve) => (this.#threadFreed = resolve));
        this.#threadFreed = undefined;
        continue;
      }
      let entry: string | null;
      try {
        const take = this.#taker.blmove(queue, taken, "RIGHT", "LEFT", takeBlockSeconds);
        // Given up at close: ioredis never settles a command queued while it waits to reconnect.
        take.catch(() => {});
        entry = await Promise.race([take, this.#stopTaking]);
        failures = 0;
      } catch (error) {
        if (this.#closing) return;
        // Redis is away: said once, then retried with a growing pause.
        if (failures++ === 0) this.#log(`redis: ${(error as Error).message}`);
        await delay(Math.min(100 * failures, 1000));
        continue;
      }
      if (entry === null || this.#closing) continue;
      const thread = this.#freeThreads.pop()!;
      const id = idOf(entry);
      this.#taken++;
      this.#handling.add(id);
      void this.#run(entry, thread).finally(() => {
        this.#handling.delete(id);
        this.#freeThreads.push(thread);
        this.#threadFreed?.();
        this.#untake();
      });
    }
  }

  /**
   * Chunks in this worker's list that it does not hold: a take that Redis carried out but whose answer
   * a lost connection dropped (ioredis then sends the take again, which moves another chunk). Seen so
   * at two looks in a row (a take's answer may be on its way at the first), they go back to the queue,
   * to be taken next.
   */
  async #returnStrays(): Promise<void> {
    const { prefix } = this.#redis;
    const taken = takenKey(prefix, this.id);
    try {
      const held = await chunksHeld(this.#control, [taken], "");
      const strays = new Set([...held].filter((id) => !this.#handling.has(id)));
      const back = [...strays].filter((id) => this.#strays.has(id));
      this.#strays = strays;
      if (back.length === 0) return;
      const moved = await putBack(this.#control, taken, queueKey(prefix), back);
      this.#log(`put ${moved} chunk(s) back in the queue: taken here as the connection to Redis was lost`);
      for (const id of back) this.#strays.delete(id);
    } catch {
      // Redis is away: the next beat looks again.
    }
  }

  /** Runs a chunk taken from the queue on `thread`, and answers its coordinator. */
  async #run(entry: string, thread: number): Promise<void> {
    const { prefix } = this.#redis;
    const taken = takenKey(prefix, this.id);
    let queued: QueuedChunk;
    try {
      queued = parseQueued(entry);
    } catch (error) {
      // Nobody to answer: it leaves this worker's list, and the log says why.
      this.#log(`refused chunk ${idOf(entry).slice(0, 80)}: ${(error as Error).message}`);
      this.#failed++;
      await this.#control.lrem(taken, 1, entry).catch(() => {});
      return;
    }
    const reply = await this.#reply(queued, thread);
    this.#coordinators.answered(queued.coordinator);
    const replies = repliesKey(prefix, queued.coordinator);
    // One round trip: the reply goes to its coordinator and the chunk leaves this worker's list. A
    // coordinator that is gone reads nothing: its list, which this worker deleted when it judged it
    // gone (on this same connection, so after any reply sent before), is not made again.
    const answer = this.#control.pipeline();
    if (this.#coordinators.isGone(queued.coordinator)) answer.del(replies);
    else answer.rpush(replies, replyEntry(queued.id, encodeReplyOrCloneError(reply)));
    await answer
      .lrem(taken, 1, entry)
      .exec()
      .catch((error: Error) => this.#log(`could not answer chunk ${queued.id}: ${error.message}`));
  }

  async #reply({ id, coordinator, reportStart, message }: QueuedChunk, thread: number): Promise<ChunkReply> {
    let local;
    try {
      local = this.#local(decodeRequest(message));
    } catch (error) {
      this.#failed++;
      const why = (error as Error).message;
      if (!(error instanceof MalformedMessageError))
        return { kind: "error", name: "WorkerError", message: why };
      this.#log(`refused chunk ${id}: ${why}`);
      return {
        kind: "error",
        name: "WorkerError",
        message: `cluster worker ${this.id} refused the chunk: ${why}`,
      };
    }
    const skip = await this.#coordinators.whyNot(id, coordinator);
    if (skip) {
      this.#skipped++;
      return { kind: "error", name: "InterruptedError", message: `chunk ${id} was not run: ${skip}` };
    }
    const { spec, chunk } = this.#localIds(coordinator, local);
    const handle = this.#backend.run(thread, spec, chunk, reportStart);
    // The coordinator's deadline counts from here, when the tasks are loaded and the chunk runs.
    if (reportStart) {
      void handle.started.then(() =>
        this.#control.rpush(repliesKey(this.#redis.prefix, coordinator), startedEntry(id)).catch(() => {}),
      );
    }
    this.#running.set(id, { thread, handle, coordinator });
    let reply: ChunkReply;
    try {
      reply = await replyOf(handle.outcome);
    } finally {
      this.#running.delete(id);
    }
    if (reply.kind === "outcome") this.#done++;
    else this.#failed++;
    return reply;
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
      .pexpire(takenKey(prefix, this.id), takenTtlMs)
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
