// The coordinator's side of a cluster. Each chunk is pushed onto the cluster's queue, a Redis list; a
// worker moves it to its own list of taken chunks as it takes it, and answers on this coordinator's
// replies list: four commands a chunk, and one more for the coordinator's read of the reply. What a
// queue library would add (leases renewed every few seconds, an event stream, a hash per job) is done
// by watching instead: the workers' presence says when one died holding chunks (ClusterWatch), and a
// census of the lists says when Redis lost one.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { RedisClient } from "./connection.ts";
import { InterruptedError, OptionError, WorkerCrashedError, WorkerError } from "../../errors.ts";
import {
  inputLength,
  type Chunk,
  type ChunkOutcome,
  type JobSpec,
  type Terminal,
} from "../../protocol/plan.ts";
import { mapChunkPaths, mapSpecPaths, underRoot, usesFiles } from "../../protocol/data-paths.ts";
import type { Backend, ChunkHandle, ChunkSettlers, PinnedWorker } from "../backend.ts";
import { describeSendFailure } from "../../protocol/send-failure.ts";
import { RedisClients } from "./clients.ts";
import { ClusterWatch, type WatchedChunk } from "./cluster-watch.ts";
import {
  checkRedis,
  closeBoundMs,
  describeConnectionError,
  resolveRedis,
  within,
  type RedisOptions,
  type ResolvedRedis,
} from "./connection.ts";
import { RedisLedgers } from "./ledgers.ts";
import { ClusterPins } from "./cluster-pins.ts";
import { DirectLine } from "./direct-line.ts";
import {
  broadcastsKey,
  controlChannel,
  presenceChannel,
  queueKey,
  repliesKey,
  type ControlMessage,
} from "./keys.ts";
import { mailbox, type Mailbox } from "./mailbox.ts";
import type { DirectCall } from "./messages.ts";
import { encodeQueued, parseReplyEntry } from "./queue-entries.ts";
import { clusterThreads, workerBeats } from "./presence.ts";
import { clusterTaskRef } from "./task-names.ts";
import {
  decodeReply,
  encodeChunk,
  errorOfReply,
  encodeSpec,
  renameChunkTasks,
  renameTasks,
  type ChunkMessage,
} from "./wire.ts";

/** A chunk pushed onto the queue, waiting for its outcome. */
interface PostedChunk extends WatchedChunk, ChunkSettlers {
  readonly slot: number;
  readonly chunk: Chunk;
  readonly terminal: Terminal["op"];
  /** The queue's entry, as pushed: what is removed from the queue to withdraw it. */
  entry: string | undefined;
}

/** A chunk given to a slot and held here, posted once the chunk before it in the slot has settled. */
interface HeldChunk {
  readonly slot: number;
  readonly spec: JobSpec;
  readonly chunk: Chunk;
  readonly reportStart: boolean;
  readonly settlers: ChunkSettlers;
}

export interface RedisBackendSettings {
  readonly redis: string | RedisOptions;
  /** Chunks in flight at once; undefined: twice the threads of the workers there, followed as they join and leave. */
  readonly slots: number | undefined;
  /** The shared data root as mounted on this machine; paths travel relative to it. */
  readonly dataRoot?: string | undefined;
}

/**
 * A chunk lost this many times (Redis lost it, or a worker skipped it) fails its job instead of being
 * sent again for ever: something is wrong with the cluster, and the error says what.
 */
export const maxResendsPerChunk = 5;

/**
 * What a chunk costs the coordinator and Redis, each one core that every chunk passes through: the
 * larger of the coordinator's CPU (0.16 to 0.24 ms) and Redis's (0.11 to 0.12 ms, 5 commands) per
 * chunk, measured on 2,000 one-item chunks with two `weft worker` processes on one machine.
 */
export const chunkLoadMs = 0.2;

/**
 * Chunks in flight for a cluster of `threads` threads: two each, so every thread has the next chunk
 * waiting in the queue when it finishes one; two at least, so a job started before any worker waits
 * in the queue for the first to join.
 */
const slotsPerThread = 2;
const slotsFor = (threads: number) => Math.max(2, slotsPerThread * threads);

export class RedisBackend implements Backend {
  readonly name = "redis";
  readonly acceptsInline = false;
  readonly copiesValues = true;
  readonly sharesMemory = false;
  /**
   * What a chunk costs beyond its work where the workers share the machine with the coordinator and
   * Redis, with margin: on tiny items on two `weft worker` processes a thread idled about 1 ms (0.5
   * to 2.5) between two chunks of its own, and the coordinator and Redis spent about 0.3 ms of CPU
   * on each. A lower figure (2) measured no different there; a higher one costs the tail more
   * chunks. The trip alone, one chunk at a time, is the figure `npm run bench:cluster` reports.
   */
  readonly chunkTripMs = 5;
  /** The tail is shared among threads, not slots: cut for twice the threads, a job paid twice the chunks. */
  readonly workersPerThread = slotsPerThread;
  readonly chunkLoadMs = chunkLoadMs;
  readonly ledgers: RedisLedgers;
  readonly #redis: ResolvedRedis;
  readonly #replies: Mailbox;
  readonly #control: RedisClient;
  readonly #watch: ClusterWatch;
  readonly #line: DirectLine;
  readonly #pins: ClusterPins;
  /** This coordinator's entries in the cluster's broadcasts, removed as it closes. */
  readonly #broadcastFields: string[] = [];
  /** Per slot, the chunk posted and the ones given to it after; those from `#active` on get no new chunk. */
  #slots: { posted: PostedChunk | undefined; held: HeldChunk[] }[] = [];
  #active = 0;
  readonly #resized: ((workers: number) => void)[] = [];
  readonly #byId = new Map<string, PostedChunk>();
  /** Each running job's plan, encoded once for all of its chunks: by job id. */
  readonly #specs = new Map<number, string>();
  /** Times each chunk (`<job>:<seq>`) was lost and sent again. */
  readonly #resends = new Map<string, number>();
  #sentCount = 0;
  #closed = false;

  private constructor(
    readonly id: string,
    redis: ResolvedRedis,
    readonly clients: RedisClients,
    readonly dataRoot: string | undefined,
    fixedSlots: number | undefined,
  ) {
    this.#redis = redis;
    this.#control = clients.open();
    this.ledgers = new RedisLedgers(this.#control, redis.prefix, id);
    this.#replies = mailbox(clients.open(true), repliesKey(redis.prefix, id), (text) => this.#onReply(text));
    this.#watch = new ClusterWatch(this.#control, redis, id, {
      inFlight: () => this.#byId,
      diedWith: (posted, worker) => this.#workerDied(posted as PostedChunk, worker),
      lost: (posted) => this.#resend(posted as PostedChunk, "Redis lost it"),
      unreachable: (posted, error) => this.#lost(posted as PostedChunk, error),
      ...(fixedSlots === undefined && { threads: (count: number) => this.#resize(slotsFor(count)) }),
    });
    this.#line = new DirectLine(
      this.#control,
      () => clients.open(true),
      redis.prefix,
      id,
      (worker) => this.#pins.workerGone(worker),
    );
    this.#pins = new ClusterPins(this.#control, redis.prefix, this.#line, (spec, chunk) =>
      this.#encodeDirect(spec, chunk),
    );
  }

  get workers(): number {
    return this.#active;
  }

  watchWorkers(listener: (workers: number) => void): void {
    this.#resized.push(listener);
  }

  /** `slots` chunks in flight from now on: slots past it take none, and finish what they hold. */
  #resize(slots: number): void {
    if (slots === this.#active || this.#closed) return;
    while (this.#slots.length < slots) this.#slots.push({ posted: undefined, held: [] });
    this.#active = slots;
    for (const listener of this.#resized) listener(slots);
  }

  static async start(settings: RedisBackendSettings): Promise<RedisBackend> {
    const redis = resolveRedis(settings.redis);
    await checkRedis(redis);
    const clients = new RedisClients(redis);
    const backend = new RedisBackend(randomUUID(), redis, clients, settings.dataRoot, settings.slots);
    try {
      await backend.#begin(settings.slots);
      return backend;
    } catch (error) {
      await clients.close();
      await backend.#replies.stop();
      throw describeConnectionError(redis.where, error as Error);
    }
  }

  /** How this job's paths travel: relative to the data root, which a job with files needs. */
  #toDataRoot(spec: JobSpec, chunk: Chunk): (path: string) => string {
    const root = this.dataRoot;
    if (root !== undefined) return (path) => underRoot(root, path);
    if (usesFiles(spec, chunk)) {
      throw new OptionError(
        "this job reads or writes files, and the pool has no dataRoot: give weft({ redis, dataRoot }) the " +
          "shared directory every worker is started with (weft worker --data-root)",
      );
    }
    return (path) => path;
  }

  /** Reads its replies from now on, and is present in the cluster until close. */
  async #begin(slots: number | undefined): Promise<void> {
    const { prefix } = this.#redis;
    this.#resize(slots ?? slotsFor(await clusterThreads(this.#control, prefix)));
    this.#replies.start();
    // The workers stop this coordinator's chunks once it is gone: its subscription and heartbeat say it is not.
    await this.clients.open().subscribe(presenceChannel(prefix, this.id));
    await this.#watch.beat({
      id: this.id,
      host: hostname(),
      pid: process.pid,
      startedAt: new Date().toISOString(),
    });
    this.#watch.start();
  }

  run(slot: number, spec: JobSpec, chunk: Chunk, reportStart: boolean): ChunkHandle {
    let started!: () => void;
    const start = new Promise<void>((resolve) => (started = resolve));
    const outcome = new Promise<ChunkOutcome>((resolve, reject) => {
      const held: HeldChunk = { slot, spec, chunk, reportStart, settlers: { resolve, reject, started } };
      const lane = this.#slots[slot]!;
      if (lane.posted) lane.held.push(held);
      else this.#post(held);
    });
    const abort = (reason: Error) => {
      const lane = this.#slots[slot];
      // Not posted yet: it never will be.
      const at = lane?.held.findIndex((h) => h.chunk === chunk) ?? -1;
      if (at >= 0) return lane!.held.splice(at, 1)[0]!.settlers.reject(reason);
      const posted = lane?.posted;
      if (posted?.chunk !== chunk) return;
      // Running: its worker aborts the task's signal. Still in the queue: it leaves it and settles
      // now; a worker that took it meanwhile has the abort, and skips it.
      this.#publish({ action: "abort", chunkId: posted.chunkId, reason: errorFields(reason) });
      void this.#withdraw(posted).then((removed) => {
        if (removed) this.#lost(posted, reason);
      });
    };
    return { outcome, started: start, abort };
  }

  /** Tells the cluster worker to end the thread running the slot's chunk; the chunk fails here at once. */
  restart(slot: number, reason: Error): void {
    const posted = this.#slots[slot]?.posted;
    if (!posted) return;
    this.#publish({ action: "stop", chunkId: posted.chunkId, reason: errorFields(reason) });
    // If it had not been taken after all, no worker will take it now.
    void this.#withdraw(posted);
    this.#lost(posted, reason);
  }

  forget(jobId: number): void {
    this.#specs.delete(jobId);
    for (const key of this.#resends.keys()) if (key.startsWith(`${jobId}:`)) this.#resends.delete(key);
    this.#publish({ action: "forget", coordinator: this.id, jobId });
  }

  /**
   * Sends the call to every thread of every worker there now, and leaves it in the cluster's
   * broadcasts, which a worker that joins later runs before its first chunk, for as long as this
   * coordinator is there.
   */
  async broadcast(spec: JobSpec, chunk: Chunk): Promise<Promise<ChunkOutcome>[]> {
    const message = this.#encodeDirect(spec, chunk);
    const { prefix } = this.#redis;
    const field = `${this.id}:${spec.id}`;
    const call: DirectCall = { call: 0, coordinator: this.id, thread: "all", message };
    await this.#control.hset(broadcastsKey(prefix), field, JSON.stringify(call));
    this.#broadcastFields.push(field);
    // Listed after the broadcast is left for joiners: a worker either is among these or finds it there.
    const beats = await workerBeats(this.#control, prefix);
    return beats.flatMap(({ id, concurrency }) => {
      const replies = this.#line.send(id, "all", message);
      return Array.from({ length: concurrency }, (_, thread) =>
        replies.then((all) => {
          const reply = all[thread];
          if (!reply)
            throw new WorkerError(
              `cluster worker ${id} ran the broadcast on ${all.length} threads, not ${concurrency}`,
            );
          if (reply.kind === "outcome") return reply.outcome;
          throw errorOfReply(reply);
        }),
      );
    });
  }

  /** A thread of one cluster worker, the one with the fewest actors. */
  pin(): Promise<PinnedWorker> {
    return this.#pins.pin();
  }

  /** A chunk for a direct call: its tasks named, as for the queue; no files (broadcasts and actors read none). */
  #encodeDirect(spec: JobSpec, chunk: Chunk): ChunkMessage {
    return encodeChunk(
      this.id,
      encodeSpec(renameTasks(spec, clusterTaskRef)),
      renameChunkTasks(chunk, clusterTaskRef),
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#watch.stop();
    const left = [...this.#byId.values()];
    for (const lane of this.#slots) {
      for (const held of lane.held) held.settlers.reject(new InterruptedError("the pool closed"));
      lane.held.length = 0;
    }
    for (const posted of left) this.#lost(posted, new InterruptedError("the pool closed"));
    // A finished coordinator leaves nothing behind: chunks still queued for it are removed, and its
    // heartbeat goes, so that workers skip any chunk of it they take and stop those they run.
    await within(
      Promise.allSettled([
        ...left.map((posted) => this.#withdraw(posted)),
        this.#watch.leave(),
        this.#broadcastFields.length > 0 &&
          this.#control.hdel(broadcastsKey(this.#redis.prefix), ...this.#broadcastFields),
      ]),
      closeBoundMs,
    ).catch(() => {});
    // The readers' last: a read in progress ends as its connection is cut.
    const reading = Promise.all([this.#replies.stop(), this.#line.stop()]);
    await this.clients.close();
    await within(reading, closeBoundMs).catch(() => {});
  }

  #post({ slot, spec, chunk, reportStart, settlers }: HeldChunk): void {
    const chunkId = `${this.id}-${spec.id}-${chunk.seq}-${this.#sentCount++}`;
    const posted: PostedChunk = {
      ...settlers,
      slot,
      chunk,
      jobId: spec.id,
      terminal: spec.terminal.op,
      chunkId,
      sentAt: Date.now(),
      entry: undefined,
    };
    this.#slots[slot]!.posted = posted;
    this.#byId.set(chunkId, posted);
    let message: ChunkMessage;
    try {
      let encoded = this.#specs.get(spec.id);
      const toRoot = this.#toDataRoot(spec, chunk);
      if (encoded === undefined) {
        encoded = encodeSpec(renameTasks(mapSpecPaths(spec, toRoot), clusterTaskRef));
        this.#specs.set(spec.id, encoded);
      }
      message = encodeChunk(this.id, encoded, renameChunkTasks(mapChunkPaths(chunk, toRoot), clusterTaskRef));
    } catch (error) {
      this.#finish(posted);
      return posted.reject(describeSendFailure(spec, chunk, error));
    }
    const entry = encodeQueued({ id: chunkId, coordinator: this.id, reportStart, message });
    const push = () => {
      // Settled while it waited (aborted, or the pool closed): there is nothing to send.
      if (this.#byId.get(chunkId) !== posted) return;
      posted.entry = entry;
      this.#control
        .lpush(queueKey(this.#redis.prefix), entry)
        .catch((error: Error) => this.#lost(posted, describeConnectionError(this.#redis.where, error)));
    };
    // After a lost connection, workers would skip a chunk sent before this coordinator's heartbeat is
    // back in Redis (cluster-watch.ts).
    if (this.#watch.announced) push();
    else void this.#watch.whenAnnounced().then(push);
  }

  /** Takes the chunk off the queue; resolves with whether it was there (so no worker will run it). */
  async #withdraw(posted: PostedChunk): Promise<boolean> {
    if (posted.entry === undefined) return true;
    try {
      return (await this.#control.lrem(queueKey(this.#redis.prefix), 1, posted.entry)) === 1;
    } catch {
      // Redis is away: the watch's bound applies to the chunks still in flight.
      return false;
    }
  }

  /** A worker's word on a chunk: that it started, or how it ended. */
  #onReply(text: string): void {
    const entry = parseReplyEntry(text);
    // Not a reply (anyone who can write to Redis can push one): passed over.
    if (!entry) return;
    const posted = this.#byId.get(entry.id);
    if (!posted) return; // settled already: withdrawn, or sent again
    // The chunk's tasks are loaded and it runs: its deadline starts now.
    if (entry.kind === "started") return posted.started();
    let reply;
    try {
      reply = decodeReply(entry.reply, posted.terminal);
    } catch (error) {
      return this.#lost(
        posted,
        new WorkerError(`a cluster worker's reply could not be read: ${(error as Error).message}`),
      );
    }
    if (reply.kind === "outcome") {
      this.#finish(posted);
      return posted.resolve(reply.outcome);
    }
    // Skipped by the worker that took it (it judged this coordinator gone): sent again, a bounded number of times.
    if (reply.name === "InterruptedError")
      return this.#resend(posted, `a worker skipped it (${reply.message})`);
    this.#lost(posted, errorOfReply(reply));
  }

  /**
   * The worker running the chunk is gone (its connection to Redis closed, or its heartbeat stopped):
   * the chunk runs again on another worker now, as a crash (a chunk that kills every worker it runs on
   * is poison); its result, if it ever comes, is not read.
   */
  #workerDied(posted: PostedChunk, worker: string): void {
    this.#lost(
      posted,
      new WorkerCrashedError(
        `cluster worker ${worker} died while running this chunk (its connection to Redis closed or its heartbeat stopped)`,
      ),
    );
  }

  /** The chunk is gone without a result: sent again, at no cost to its retries, unless that happened too often. */
  #resend(posted: PostedChunk, cause: string): void {
    const key = `${posted.jobId}:${posted.chunk.seq}`;
    const times = (this.#resends.get(key) ?? 0) + 1;
    this.#resends.set(key, times);
    if (times <= maxResendsPerChunk) return this.#lost(posted, new InterruptedError(cause));
    const { start, input } = posted.chunk;
    this.#lost(
      posted,
      new WorkerError(
        `the chunk of items ${start}..${start + inputLength(input) - 1} was lost ${times} times (last: ${cause}); ` +
          `weft stopped sending it again: check the cluster's Redis (is it restarting, or evicting keys?) and weft cluster status`,
      ),
    );
  }

  /** The chunk settles with `error`, once: a later reply for it finds nothing. */
  #lost(posted: PostedChunk, error: Error): void {
    if (!this.#byId.has(posted.chunkId)) return;
    this.#finish(posted);
    posted.reject(error);
  }

  /** The slot is free: its next chunk goes out. */
  #finish(posted: PostedChunk): void {
    this.#byId.delete(posted.chunkId);
    const lane = this.#slots[posted.slot]!;
    if (lane.posted !== posted) return;
    lane.posted = undefined;
    const next = lane.held.shift();
    if (next && !this.#closed) this.#post(next);
  }

  #publish(message: ControlMessage): void {
    this.#control.publish(controlChannel(this.#redis.prefix), JSON.stringify(message)).catch(() => {});
  }
}

function errorFields(error: Error): { name: string; message: string } {
  return { name: error.name, message: error.message };
}
