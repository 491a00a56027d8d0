// What a coordinator watches while its chunks are out, on timers of its own:
// - the cluster's workers (every 500 ms): a worker whose connection to Redis closed (it was killed, it
//   crashed) or whose heartbeat stopped is gone, and the chunks of this coordinator found in its list
//   of taken chunks are sent again at once;
// - which of its chunks Redis still holds (every few seconds): one that is nowhere (Redis restarted
//   empty) is sent again, and while Redis is away the wait is bounded by `unreachableTimeoutMs`;
// - its own heartbeat (every 2 s), which workers read to skip and stop the chunks of a coordinator
//   that is gone, and which keeps its replies list alive as long;
// - the threads of the workers there now (every second), from their heartbeats, so the chunks it keeps
//   in flight follow the machines that join and leave while a job runs.
import type { RedisClient } from "./connection.ts";
import { WorkerError } from "../../errors.ts";
import { chunksHeld } from "./chunk-census.ts";
import { describeConnectionError, within, type ResolvedRedis } from "./connection.ts";
import {
  coordinatorKey,
  coordinatorSet,
  queueKey,
  repliesKey,
  takenKey,
  workerKey,
  workerSet,
  type CoordinatorBeat,
} from "./keys.ts";
import { PrimaryTracker } from "./primary.ts";
import { idOf } from "./queue-entries.ts";
import { clusterThreads, every, PresenceWatch } from "./presence.ts";

/** What the watch needs to know of a chunk in flight. */
export interface WatchedChunk {
  readonly chunkId: string;
  /** The coordinator's job id. */
  readonly jobId: number;
  /** Date.now() when it was pushed onto the queue. */
  readonly sentAt: number;
}

export interface WatchedCoordinator {
  /** The chunks in flight now, by id. */
  inFlight(): ReadonlyMap<string, WatchedChunk>;
  /** `chunk`'s worker is gone. */
  diedWith(chunk: WatchedChunk, worker: string): void;
  /** Redis no longer holds `chunk`. */
  lost(chunk: WatchedChunk): void;
  /** Redis has been away longer than `unreachableTimeoutMs` for `chunk`. */
  unreachable(chunk: WatchedChunk, error: Error): void;
  /** The workers' threads counted now; absent: the coordinator keeps the slots it started with. */
  readonly threads?: (count: number) => void;
}

/** How often a coordinator looks at the workers that may hold its chunks. */
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
/**
 * How long a worker's list of taken chunks outlives its last heartbeat: long enough for every
 * coordinator to find its chunks there once the worker is judged gone (seconds), then it goes.
 */
export const takenTtlMs = 60_000;

export class ClusterWatch {
  readonly #workers: PresenceWatch;
  readonly #primary: PrimaryTracker;
  /** Every worker seen in the cluster's set since, until it is judged gone: it may hold a chunk of ours. */
  readonly #known = new Set<string>();
  /** The chunks Redis did not hold at the last census. */
  #missing = new Set<string>();
  #lastCensus = Date.now();
  #beat: CoordinatorBeat | undefined;
  #unreachableSince: number | undefined;
  #stops: (() => void)[] = [];
  /**
   * Pending from a lost connection until the heartbeat written once it is back is in Redis, settled
   * otherwise (`resolve` undefined). A worker skips a chunk whose coordinator has no heartbeat, and a
   * Redis restarted empty has none: a chunk sent before the heartbeat was written again went unrun
   * until a census sent it again, seconds later.
   */
  #announced: { readonly promise: Promise<void>; resolve: (() => void) | undefined } = {
    promise: Promise.resolve(),
    resolve: undefined,
  };

  constructor(
    readonly control: RedisClient,
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
    const lost = () => {
      if (this.#announced.resolve) return;
      let resolve!: () => void;
      const promise = new Promise<void>((settle) => (resolve = settle));
      this.#announced = { promise, resolve };
    };
    // Once its own connection is back after a loss, the others get time to come back too; and its
    // heartbeat, lost if Redis restarted empty, is written again at once. If it cannot be, chunks go
    // all the same, as they would have: a census finds any a worker skipped.
    const back = () => {
      holdOff();
      const announced = this.#announced;
      void this.beat()
        .catch(() => {})
        .then(() => {
          announced.resolve?.();
          announced.resolve = undefined;
        });
    };
    this.control.on("close", lost);
    this.control.on("ready", back);
    this.#stops = [
      () => this.control.off("close", lost),
      () => this.control.off("ready", back),
      every(holderCheckMs, () => this.#checkWorkers(), holdOff),
      every(
        coordinatorBeatMs,
        () => this.beat(),
        () => {},
      ),
      every(
        Math.min(5000, this.redis.unreachableTimeoutMs / 3),
        () => this.#census(),
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

  /** Whether chunks may go out now: no connection was lost since the heartbeat was last written. */
  get announced(): boolean {
    return this.#announced.resolve === undefined;
  }

  /** Resolves once chunks may go out ({@link announced}). */
  whenAnnounced(): Promise<void> {
    return this.#announced.promise;
  }

  /** Writes the coordinator's heartbeat (`beat` the first time), and keeps its replies list alive as long. */
  async beat(beat?: CoordinatorBeat): Promise<void> {
    this.#beat = beat ?? this.#beat;
    const { prefix } = this.redis;
    const redis = await this.#primary.read();
    await this.control
      .multi()
      .set(coordinatorKey(prefix, this.id), JSON.stringify({ ...this.#beat, redis }), "PX", coordinatorTtlMs)
      .sadd(coordinatorSet(prefix), this.id)
      .pexpire(repliesKey(prefix, this.id), coordinatorTtlMs)
      .exec();
  }

  /** The coordinator is closing: its heartbeat and replies list go. */
  async leave(): Promise<void> {
    const { prefix } = this.redis;
    await this.control
      .multi()
      .del(coordinatorKey(prefix, this.id), repliesKey(prefix, this.id))
      .srem(coordinatorSet(prefix), this.id)
      .exec();
  }

  /**
   * Any worker may have taken a chunk of ours, and says nothing as it does (that would cost a command
   * a chunk): while chunks are out, every worker is watched, and one judged gone has its list of taken
   * chunks read for ours.
   */
  async #checkWorkers(): Promise<void> {
    if (this.coordinator.inFlight().size === 0) return;
    const { prefix } = this.redis;
    for (const worker of await this.control.smembers(workerSet(prefix))) this.#known.add(worker);
    const gone = await this.#workers.check([...this.#known]);
    for (const worker of gone) {
      const taken = takenKey(prefix, worker);
      // A list the worker created after its last beat has no expiry yet: it gets one now.
      const [[, entries]] = ((await this.control
        .multi()
        .lrange(taken, 0, -1)
        .pexpire(taken, takenTtlMs)
        .exec()) ?? []) as [[Error | null, string[]]];
      const ours = (entries ?? []).filter((entry) => this.coordinator.inFlight().has(idOf(entry)));
      if (ours.length > 0) {
        const removal = this.control.pipeline();
        for (const entry of ours) removal.lrem(taken, 1, entry);
        await removal.exec();
      }
      this.#workers.forget(worker);
      this.#known.delete(worker);
      for (const entry of ours) {
        const chunk = this.coordinator.inFlight().get(idOf(entry));
        if (chunk) this.coordinator.diedWith(chunk, worker);
      }
    }
  }

  /**
   * Which chunks Redis holds. One missing twice in a row is lost: once is not enough, since a reply
   * taken off the list by this coordinator's reader may not have been handled yet when the census
   * answers (they come on two connections).
   */
  async #census(): Promise<void> {
    const inFlight = this.coordinator.inFlight();
    if (inFlight.size === 0) {
      this.#unreachableSince = undefined;
      this.#missing.clear();
      return;
    }
    const { prefix } = this.redis;
    const startedAt = Date.now();
    try {
      // The workers there now as well as those watched: after Redis restarted empty, the workers
      // taking chunks again may be ones this coordinator has not looked at yet.
      const held = await within(
        (async () => {
          for (const worker of await this.control.smembers(workerSet(prefix))) this.#known.add(worker);
          const taken = [...this.#known].map((worker) => takenKey(prefix, worker));
          return chunksHeld(
            this.control,
            [queueKey(prefix), repliesKey(prefix, this.id), ...taken],
            `${this.id}-`,
          );
        })(),
        this.redis.unreachableTimeoutMs / 3,
      );
      this.#unreachableSince = undefined;
      // Pushed before the last census began: a push still on its way then is not missing.
      const missing = new Set(
        [...inFlight.values()]
          .filter((chunk) => chunk.sentAt < this.#lastCensus && !held.has(chunk.chunkId))
          .map((chunk) => chunk.chunkId),
      );
      this.#lastCensus = startedAt;
      const lost = [...missing].filter((id) => this.#missing.has(id));
      this.#missing = missing;
      // Sent again, a bounded number of times, once the heartbeat (lost with them, if Redis restarted
      // empty) is back, so that workers run them.
      if (lost.length > 0) await within(this.beat(), 1000).catch(() => {});
      for (const id of lost) {
        const chunk = this.coordinator.inFlight().get(id);
        if (chunk) this.coordinator.lost(chunk);
      }
    } catch (error) {
      const now = Date.now();
      this.#unreachableSince ??= now;
      const gone = describeConnectionError(this.redis.where, error as Error);
      for (const chunk of [...inFlight.values()]) {
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
}
