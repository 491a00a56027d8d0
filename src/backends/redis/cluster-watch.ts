// What a coordinator watches while its chunks are out, on timers of its own:
// - the workers holding its chunks (every 500 ms): a worker whose connection to Redis closed (it was
//   killed, it crashed) or whose heartbeat stopped is gone, and its chunks are sent again at once,
//   seconds after its death instead of a lease (30 s) later; the lease stays the backstop;
// - its chunks in BullMQ (every few seconds): one whose BullMQ job vanished (Redis restarted empty)
//   is sent again, and while Redis is away the wait is bounded by `unreachableTimeoutMs`;
// - its own heartbeat (every 2 s), which workers read to skip and stop the chunks of a coordinator
//   that is gone, and the set of chunks it withdrew (cancelled, or sent again), which they skip;
// - the threads of the workers there now (every second), from their heartbeats, so the chunks it keeps
//   in flight follow the machines that join and leave while a job runs.
import type { Queue } from "bullmq";
import type { RedisClient } from "./connection.ts";
import { WorkerError } from "../../errors.ts";
import { describeConnectionError, within, type ResolvedRedis } from "./connection.ts";
import {
  chunkQueueName,
  coordinatorKey,
  coordinatorSet,
  withdrawnSet,
  workerKey,
  type CoordinatorBeat,
} from "./keys.ts";
import { PrimaryTracker } from "./primary.ts";
import { clusterThreads, every, PresenceWatch } from "./presence.ts";

/** What the watch needs to know of a chunk in flight. */
export interface WatchedChunk {
  readonly bullId: string;
  /** The coordinator's job id. */
  readonly jobId: number;
  /** Date.now() when it was handed to BullMQ. */
  readonly sentAt: number;
  /** The worker that took it, from its first progress event; undefined while it waits in BullMQ. */
  holder: string | undefined;
}

export interface WatchedCoordinator {
  /** The chunks in flight now. */
  holders(): Iterable<WatchedChunk>;
  /** `chunk`'s worker is gone. */
  diedWith(chunk: WatchedChunk, worker: string): void;
  /** `chunk`'s BullMQ job vanished. */
  lost(chunk: WatchedChunk): void;
  /** Redis has been away longer than `unreachableTimeoutMs` for `chunk`. */
  unreachable(chunk: WatchedChunk, error: Error): void;
  /** The workers' threads counted now; absent: the coordinator keeps the slots it started with. */
  readonly threads?: (count: number) => void;
}

/** How often a coordinator looks at the workers holding its chunks. */
export const holderCheckMs = 500;
/** How often a coordinator counts the workers' threads. */
export const threadCountMs = 1000;
/** How often a coordinator beats, and how long its heartbeat lives without a beat. */
export const coordinatorBeatMs = 2000;
/**
 * Long, because a coordinator's beats come from the user's own thread, which their code may hold for a
 * while; a coordinator that was killed is seen gone at once by its presence channel instead.
 */
export const coordinatorTtlMs = 30_000;
/** A worker's heartbeat lives this long after its last beat (it beats every 2 s). */
export const workerTtlMs = 6000;
/** How a coordinator judges workers (presence.ts). */
export const workerPresenceTimes = { channelGraceMs: 1000, keyGraceMs: 3000, holdOffMs: 3000 };
/** How long a withdrawn chunk's BullMQ job is tried for removal (its dead worker's lease must run out first). */
const zombieRemovalMs = 10 * 60_000;

export class ClusterWatch {
  readonly #workers: PresenceWatch;
  readonly #primary: PrimaryTracker;
  /** Withdrawn chunks still in BullMQ (locked by a worker), by id, with when they were withdrawn. */
  readonly #zombies = new Map<string, number>();
  #beat: CoordinatorBeat | undefined;
  #unreachableSince: number | undefined;
  #stops: (() => void)[] = [];

  constructor(
    readonly control: RedisClient,
    readonly queue: Queue,
    readonly redis: ResolvedRedis,
    readonly id: string,
    readonly coordinator: WatchedCoordinator,
  ) {
    this.#primary = new PrimaryTracker(control, redis.prefix);
    this.#workers = new PresenceWatch(
      control,
      redis.prefix,
      (worker) => workerKey(redis.prefix, worker),
      workerPresenceTimes,
    );
  }

  start(): void {
    const holdOff = () => this.#workers.holdOff();
    // Once its own connection is back after a loss, the others get time to come back too; and its
    // heartbeat, lost if Redis restarted empty, is written again at once.
    const back = () => {
      holdOff();
      this.beat().catch(() => {});
    };
    this.control.on("ready", back);
    this.#stops = [
      () => this.control.off("ready", back),
      every(holderCheckMs, () => this.#checkHolders(), holdOff),
      every(
        coordinatorBeatMs,
        () => this.beat(),
        () => {},
      ),
      every(
        Math.min(5000, this.redis.unreachableTimeoutMs / 3),
        () => this.#checkInFlight(),
        () => {},
      ),
    ];
    const { threads } = this.coordinator;
    if (threads) {
      const count = async () => threads(await clusterThreads(this.control, this.redis.prefix));
      this.#stops.push(every(threadCountMs, count, () => {}));
    }
  }

  stop(): void {
    for (const stop of this.#stops.splice(0)) stop();
  }

  /** Writes the coordinator's heartbeat (`beat` the first time), and keeps its withdrawn set alive as long. */
  async beat(beat?: CoordinatorBeat): Promise<void> {
    this.#beat = beat ?? this.#beat;
    const { prefix } = this.redis;
    const redis = await this.#primary.read();
    await this.control
      .multi()
      .set(coordinatorKey(prefix, this.id), JSON.stringify({ ...this.#beat, redis }), "PX", coordinatorTtlMs)
      .sadd(coordinatorSet(prefix), this.id)
      .pexpire(withdrawnSet(prefix, this.id), coordinatorTtlMs)
      .exec();
  }

  /** The coordinator is closing: its heartbeat and withdrawn set go. */
  async leave(): Promise<void> {
    const { prefix } = this.redis;
    await this.control
      .multi()
      .del(coordinatorKey(prefix, this.id), withdrawnSet(prefix, this.id))
      .srem(coordinatorSet(prefix), this.id)
      .exec();
  }

  /**
   * The coordinator no longer wants the chunk: any worker that takes it from now on skips it, and if it
   * still waits in BullMQ it leaves the queue. Resolves with whether it did (it will never run).
   */
  async withdraw(bullId: string): Promise<boolean> {
    const withdrawn = withdrawnSet(this.redis.prefix, this.id);
    try {
      await this.control.multi().sadd(withdrawn, bullId).pexpire(withdrawn, coordinatorTtlMs).exec();
      if ((await this.queue.remove(bullId)) === 1) {
        await this.control.srem(withdrawn, bullId);
        return true;
      }
    } catch {
      // Redis is away: the watchdog's bound applies to the chunks still in flight.
    }
    this.#zombies.set(bullId, Date.now());
    return false;
  }

  async #checkHolders(): Promise<void> {
    await this.#findHolders();
    const byHolder = new Map<string, WatchedChunk[]>();
    for (const chunk of this.coordinator.holders()) {
      if (chunk.holder === undefined) continue;
      byHolder.set(chunk.holder, [...(byHolder.get(chunk.holder) ?? []), chunk]);
    }
    if (byHolder.size === 0) return;
    const gone = await this.#workers.check([...byHolder.keys()]);
    for (const worker of gone) {
      this.#workers.forget(worker);
      for (const chunk of byHolder.get(worker)!) this.coordinator.diedWith(chunk, worker);
    }
  }

  /**
   * A worker says it holds a chunk as it starts it, but one killed between taking the chunk and saying
   * so never does. BullMQ itself notes which worker took a job (its `pb` field, the worker's name, which
   * is its id), so the chunks whose holder is still unknown are looked up there.
   */
  async #findHolders(): Promise<void> {
    const unknown = [...this.coordinator.holders()].filter((chunk) => chunk.holder === undefined);
    if (unknown.length === 0) return;
    const lookup = this.control.pipeline();
    for (const chunk of unknown) lookup.hget(`${this.redis.prefix}:${chunkQueueName}:${chunk.bullId}`, "pb");
    const replies = (await lookup.exec()) ?? [];
    unknown.forEach((chunk, i) => {
      const [error, holder] = replies[i] ?? [];
      if (!error && typeof holder === "string" && holder !== "") chunk.holder ??= holder;
    });
  }

  async #checkInFlight(): Promise<void> {
    // Bounded: while Redis is away, the check below must still run and bound the wait.
    await within(this.#removeZombies(), 1000).catch(() => {});
    const chunks = [...this.coordinator.holders()];
    if (chunks.length === 0) return void (this.#unreachableSince = undefined);
    try {
      const states = await within(
        Promise.all(chunks.map((chunk) => this.queue.getJobState(chunk.bullId))),
        this.redis.unreachableTimeoutMs / 3,
      );
      this.#unreachableSince = undefined;
      // Gone without an event: Redis lost it. Sent again, a bounded number of times, once the
      // heartbeat (lost with it, if Redis restarted empty) is back, so that workers run them.
      const lost = chunks.filter((_, i) => states[i] === "unknown");
      if (lost.length > 0) await within(this.beat(), 1000).catch(() => {});
      for (const chunk of lost) this.coordinator.lost(chunk);
    } catch (error) {
      const now = Date.now();
      this.#unreachableSince ??= now;
      const gone = describeConnectionError(this.redis.where, error as Error);
      for (const chunk of chunks) {
        // Each chunk waits the whole bound: one sent just now, as Redis came back, is not failed
        // for the outage that came before it.
        const waitedMs = now - Math.max(this.#unreachableSince, chunk.sentAt);
        if (waitedMs < this.redis.unreachableTimeoutMs) continue;
        this.coordinator.unreachable(
          chunk,
          new WorkerError(
            `Redis has been unreachable for ${Math.round(waitedMs / 1000)} s, longer than unreachableTimeoutMs: ${gone.message}`,
          ),
        );
      }
    }
  }

  /**
   * Withdrawn chunks whose worker held them: once its lease has run out, their BullMQ jobs can be
   * removed. Until then a worker that gets one skips it.
   */
  async #removeZombies(): Promise<void> {
    const now = Date.now();
    for (const [bullId, since] of this.#zombies) {
      let removed = false;
      try {
        removed = (await this.queue.remove(bullId)) === 1;
        if (removed) await this.control.srem(withdrawnSet(this.redis.prefix, this.id), bullId);
      } catch {
        return;
      }
      if (removed || now - since > zombieRemovalMs) this.#zombies.delete(bullId);
    }
  }
}
