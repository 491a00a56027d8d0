// The coordinator's side of a cluster: each chunk becomes a BullMQ job on the cluster's queue, and
// its outcome comes back through BullMQ's queue events. Queues, leases and the recovery of chunks
// whose worker died are BullMQ's; weft adds the plan, the slots and the bound on waiting for Redis.
import { randomUUID } from "node:crypto";
import { Queue, QueueEvents } from "bullmq";
import type { Redis } from "ioredis";
import { CloneError, InterruptedError, TimeoutError, WorkerCrashedError, WorkerError } from "../../errors.ts";
import type { Chunk, ChunkOutcome, JobSpec } from "../../plan/plan.ts";
import type { Backend, RunningChunk } from "../backend.ts";
import { describeSendFailure } from "../send-failure.ts";
import { RedisClients } from "./clients.ts";
import {
  checkRedis,
  describeConnectionError,
  closeBoundMs,
  resolveRedis,
  type RedisOptions,
  type ResolvedRedis,
  within,
} from "./connection.ts";
import {
  chunkQueueName,
  controlChannel,
  workerKeyPattern,
  type ControlMessage,
  type WorkerBeat,
} from "./keys.ts";
import { clusterTaskRef } from "./task-names.ts";
import { decodeReply, encode, renameTasks } from "./wire.ts";

/** A chunk handed to BullMQ, waiting for its outcome. */
interface Sent {
  readonly slot: number;
  readonly chunk: Chunk;
  /** Date.now() when it was handed to BullMQ. */
  readonly sentAt: number;
  readonly bullId: string;
  resolve(outcome: ChunkOutcome): void;
  reject(error: Error): void;
  started(): void;
}

/** A chunk given to a slot, sent once the chunk before it in the slot has settled. */
interface Queued {
  readonly spec: JobSpec;
  readonly chunk: Chunk;
  readonly sent: Omit<Sent, "bullId" | "chunk" | "sentAt">;
}

export interface RedisBackendSettings {
  readonly redis: string | RedisOptions;
  /** Chunks in flight at once; undefined: twice the threads of the workers connected at the start. */
  readonly slots: number | undefined;
}

/** Errors a cluster worker reports by name, rebuilt as the classes the dispatcher acts on. */
const errorClasses: Record<string, new (message: string) => Error> = {
  WorkerCrashedError,
  InterruptedError,
  TimeoutError,
  CloneError,
  WorkerError,
};

export class RedisBackend implements Backend {
  readonly name = "redis";
  readonly acceptsInline = false;
  readonly copiesValues = true;
  readonly sharesMemory = false;
  /** A round trip through Redis and BullMQ (`npm run bench:cluster`). */
  readonly chunkTripMs = 1;
  readonly #id = randomUUID();
  readonly #redis: ResolvedRedis;
  readonly #queue: Queue;
  readonly #events: QueueEvents;
  readonly #control: Redis;
  /** Per slot, the chunk in flight (first) and the ones given to it after. */
  readonly #slots: { running: Sent | undefined; waiting: Queued[] }[];
  readonly #byBullId = new Map<string, Sent>();
  readonly #watchdog: NodeJS.Timeout;
  #sentCount = 0;
  #unreachableSince: number | undefined;
  #closed = false;

  private constructor(
    redis: ResolvedRedis,
    slots: number,
    queue: Queue,
    events: QueueEvents,
    readonly reading: Promise<void>,
    control: Redis,
    readonly clients: RedisClients,
  ) {
    this.#redis = redis;
    this.#queue = queue;
    this.#events = events;
    this.#control = control;
    this.#slots = Array.from({ length: slots }, () => ({ running: undefined, waiting: [] }));
    // A worker reports progress once the chunk's tasks are loaded and it runs: its deadline starts then.
    events.on("progress", ({ jobId }) => this.#byBullId.get(jobId)?.started());
    events.on("completed", ({ jobId, returnvalue }) => this.#settle(jobId, returnvalue));
    events.on("failed", ({ jobId, failedReason }) => this.#fail(jobId, failedReason));
    // Chunks whose BullMQ job vanished (Redis restarted without persistence, or a missed event) are
    // sent again; while Redis is away, the wait is bounded.
    this.#watchdog = setInterval(
      () => void this.#checkInFlight(),
      Math.min(5000, redis.unreachableTimeoutMs / 3),
    );
  }

  get workers(): number {
    return this.#slots.length;
  }

  static async start(settings: RedisBackendSettings): Promise<RedisBackend> {
    const redis = resolveRedis(settings.redis);
    await checkRedis(redis);
    const clients = new RedisClients(redis.connection);
    const queue = new Queue(chunkQueueName, { connection: clients.open(), prefix: redis.prefix });
    // A short blocking read: BullMQ's reader checks whether it is closing only between reads.
    const events = new QueueEvents(chunkQueueName, {
      connection: clients.open(true),
      prefix: redis.prefix,
      blockingTimeout: 1000,
      autorun: false,
    });
    // Started here, and its promise kept: close() waits for the reader to stop, timers and all.
    const reading = events.run().catch(() => {});
    const control = clients.open();
    // A lost Redis is reported by the watchdog, with how long it has been gone; these would only repeat it.
    queue.on("error", () => {});
    events.on("error", () => {});
    try {
      await events.waitUntilReady();
      const slots = settings.slots ?? Math.max(2, 2 * (await clusterThreads(control, redis.prefix)));
      return new RedisBackend(redis, slots, queue, events, reading, control, clients);
    } catch (error) {
      await clients.close();
      throw describeConnectionError(redis.where, error as Error);
    }
  }

  run(slot: number, spec: JobSpec, chunk: Chunk, _reportStart: boolean): RunningChunk {
    let started!: () => void;
    const start = new Promise<void>((resolve) => (started = resolve));
    const outcome = new Promise<ChunkOutcome>((resolve, reject) => {
      const queued: Queued = { spec, chunk, sent: { slot, resolve, reject, started } };
      const lane = this.#slots[slot]!;
      if (lane.running) lane.waiting.push(queued);
      else this.#send(queued);
    });
    const abort = (reason: Error) => {
      const lane = this.#slots[slot];
      // Not sent yet: it never will be.
      const waiting = lane?.waiting.findIndex((q) => q.chunk === chunk) ?? -1;
      if (waiting >= 0) return lane!.waiting.splice(waiting, 1)[0]!.sent.reject(reason);
      const sent = lane?.running;
      if (sent?.chunk === chunk)
        this.#publish({ action: "abort", bullId: sent.bullId, reason: errorFields(reason) });
    };
    return { outcome, started: start, abort };
  }

  /** Tells the cluster worker to end the thread running the slot's chunk; the chunk fails here at once. */
  restart(slot: number, reason: Error): void {
    const lane = this.#slots[slot];
    const sent = lane?.running;
    if (!sent) return;
    this.#publish({ action: "stop", bullId: sent.bullId, reason: errorFields(reason) });
    this.#finish(sent);
    sent.reject(reason);
  }

  forget(jobId: number): void {
    this.#publish({ action: "forget", coordinator: this.#id, jobId });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#watchdog);
    const left = [...this.#byBullId.values()];
    for (const lane of this.#slots) {
      for (const q of lane.waiting) q.sent.reject(new InterruptedError("the pool closed"));
      lane.waiting.length = 0;
    }
    for (const sent of left) {
      this.#finish(sent);
      sent.reject(new InterruptedError("the pool closed"));
    }
    // A finished coordinator leaves nothing behind: chunks still queued for it are removed.
    await within(Promise.allSettled(left.map((s) => this.#queue.remove(s.bullId))), closeBoundMs).catch(
      () => {},
    );
    // BullMQ's close never resolves while Redis is down: bounded; the connections are ours to end.
    const stopping = this.#events.close().catch(() => {});
    await within(this.#queue.close(), closeBoundMs).catch(() => {});
    await this.clients.close();
    await Promise.allSettled([within(this.reading, closeBoundMs), within(stopping, closeBoundMs)]);
  }

  #send({ spec, chunk, sent }: Queued): void {
    const bullId = `${this.#id}-${spec.id}-${chunk.seq}-${this.#sentCount++}`;
    const entry: Sent = { ...sent, chunk, bullId, sentAt: Date.now() };
    this.#slots[sent.slot]!.running = entry;
    this.#byBullId.set(bullId, entry);
    let payload: string;
    try {
      const named = renameTasks(spec, clusterTaskRef);
      payload = encode({ version: 1, coordinator: this.#id, spec: named, chunk });
    } catch (error) {
      this.#finish(entry);
      return entry.reject(describeSendFailure(spec, chunk, error));
    }
    this.#queue
      .add("chunk", { payload }, { jobId: bullId, removeOnComplete: true, removeOnFail: true })
      .catch((error: Error) => this.#lost(entry, describeConnectionError(this.#redis.where, error)));
  }

  #settle(bullId: string, returnvalue: unknown): void {
    const sent = this.#byBullId.get(bullId);
    if (!sent) return; // another coordinator's chunk, or one already settled
    this.#finish(sent);
    try {
      const reply = decodeReply((returnvalue as { payload?: unknown } | null)?.payload);
      if (reply.kind === "outcome") return sent.resolve(reply.outcome);
      const ErrorClass = errorClasses[reply.name] ?? WorkerError;
      sent.reject(new ErrorClass(reply.message));
    } catch (error) {
      sent.reject(new WorkerError(`a cluster worker's reply could not be read: ${(error as Error).message}`));
    }
  }

  /** The processor itself failed (a malformed message) or BullMQ gave up on a chunk whose worker kept dying. */
  #fail(bullId: string, reason: string): void {
    const sent = this.#byBullId.get(bullId);
    if (!sent) return;
    this.#finish(sent);
    sent.reject(
      /stalled/i.test(reason)
        ? new WorkerCrashedError(`the cluster worker running this chunk stopped answering: ${reason}`)
        : new WorkerError(`a cluster worker refused the chunk: ${reason}`),
    );
  }

  #lost(sent: Sent, error: Error): void {
    if (!this.#byBullId.has(sent.bullId)) return;
    this.#finish(sent);
    sent.reject(error);
  }

  /** The slot is free: its next chunk goes out. */
  #finish(sent: Sent): void {
    this.#byBullId.delete(sent.bullId);
    const lane = this.#slots[sent.slot]!;
    if (lane.running !== sent) return;
    lane.running = undefined;
    const next = lane.waiting.shift();
    if (next && !this.#closed) this.#send(next);
  }

  #publish(message: ControlMessage): void {
    this.#control.publish(controlChannel(this.#redis.prefix), JSON.stringify(message)).catch(() => {});
  }

  async #checkInFlight(): Promise<void> {
    if (this.#byBullId.size === 0) return void (this.#unreachableSince = undefined);
    const ids = [...this.#byBullId.keys()];
    try {
      const states = await within(
        Promise.all(ids.map((id) => this.#queue.getJobState(id))),
        this.#redis.unreachableTimeoutMs / 3,
      );
      this.#unreachableSince = undefined;
      ids.forEach((id, i) => {
        const sent = this.#byBullId.get(id);
        // Gone without an event: Redis lost it. Sent again, at no cost to the chunk's retries.
        if (sent && states[i] === "unknown") this.#lost(sent, new InterruptedError("Redis lost the chunk"));
      });
    } catch (error) {
      const now = Date.now();
      this.#unreachableSince ??= now;
      const gone = describeConnectionError(this.#redis.where, error as Error);
      for (const sent of [...this.#byBullId.values()]) {
        // Each chunk waits the whole bound: one sent just now, as Redis came back, is not failed
        // for the outage that came before it.
        const waitedMs = now - Math.max(this.#unreachableSince, sent.sentAt);
        if (waitedMs < this.#redis.unreachableTimeoutMs) continue;
        this.#lost(
          sent,
          new WorkerError(
            `Redis has been unreachable for ${Math.round(waitedMs / 1000)} s, longer than unreachableTimeoutMs: ${gone.message}`,
          ),
        );
      }
    }
  }
}

/** Threads of the cluster workers that have announced themselves, from their heartbeats. */
async function clusterThreads(redis: Redis, prefix: string): Promise<number> {
  const keys = await redis.keys(workerKeyPattern(prefix));
  const beats = keys.length === 0 ? [] : await redis.mget(keys);
  return beats.reduce((sum, beat) => sum + (beat ? (JSON.parse(beat) as WorkerBeat).concurrency : 0), 0);
}

function errorFields(error: Error): { name: string; message: string } {
  return { name: error.name, message: error.message };
}
