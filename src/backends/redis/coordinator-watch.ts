// What a cluster worker knows of the coordinators whose chunks it takes. A chunk is run only if its
// coordinator is still there and has not stopped it (an abort or stop arrived before the chunk did).
// Every second the worker looks at the coordinators it keeps jobs for: once one is gone (killed,
// crashed), its running chunks are stopped and its jobs dropped, instead of running for nobody. So a
// chunk of a coordinator watched already costs no command to check; one of a coordinator not seen
// lately costs one round trip.
import type { RedisClient } from "./connection.ts";
import { within } from "./connection.ts";
import { coordinatorKey, presenceChannel } from "./keys.ts";
import { every, PresenceWatch, subscriberCounts } from "./presence.ts";

/** How often a worker looks at the coordinators it keeps jobs for. */
export const coordinatorCheckMs = 1000;
/** How a worker judges coordinators (presence.ts); their heartbeat key is long-lived (cluster-watch.ts). */
const coordinatorPresenceTimes = { channelGraceMs: 1000, keyGraceMs: 3000, holdOffMs: 3000 };
/** How long a chunk waits for the check before it runs anyway. */
const checkBoundMs = 2000;
/**
 * How long a coordinator is watched after its last chunk here ended: a reply to a coordinator that
 * has gone (its pool closed while the chunk ran) would stay in Redis until it is judged gone.
 */
const answeredWatchMs = 10_000;
/** Chunk and coordinator ids remembered at most: old ones are forgotten first. */
const memory = 1000;

export class CoordinatorWatch {
  readonly #presence: PresenceWatch;
  /** Chunks an abort or stop arrived for before they ran here. */
  readonly #stopped = new Set<string>();
  /** Coordinators judged gone. */
  readonly #gone = new Set<string>();
  /** Coordinators found there, with when: a verdict younger than a check's period stands. */
  readonly #seen = new Map<string, number>();
  /** Coordinators answered lately, with when. */
  readonly #answered = new Map<string, number>();
  #watched: () => Iterable<string> = () => [];
  #stop: (() => void) | undefined;

  constructor(
    readonly client: RedisClient,
    readonly prefix: string,
    /** `coordinator` is gone: stop its chunks and drop its jobs. */
    readonly onGone: (coordinator: string) => void,
  ) {
    this.#presence = new PresenceWatch(
      client,
      prefix,
      (id) => coordinatorKey(prefix, id),
      coordinatorPresenceTimes,
    );
  }

  /** Watches the coordinators `known()` returns, until `stop()`. */
  start(known: () => Iterable<string>): void {
    this.#watched = known;
    const holdOff = () => this.#presence.holdOff();
    this.client.on("ready", holdOff);
    const stopChecks = every(
      coordinatorCheckMs,
      () => this.#check([...new Set([...known(), ...this.#lately()])]),
      holdOff,
    );
    this.#stop = () => {
      this.client.off("ready", holdOff);
      stopChecks();
    };
  }

  stop(): void {
    this.#stop?.();
  }

  /** A chunk of `coordinator` ended here: it is watched a while yet. */
  answered(coordinator: string): void {
    this.#answered.delete(coordinator);
    this.#answered.set(coordinator, Date.now());
  }

  /** The coordinators answered within {@link answeredWatchMs}; older ones are dropped. */
  #lately(): string[] {
    const since = Date.now() - answeredWatchMs;
    for (const [coordinator, at] of this.#answered) if (at < since) this.#answered.delete(coordinator);
    return [...this.#answered.keys()];
  }

  /** Whether `coordinator` was judged gone. */
  isGone(coordinator: string): boolean {
    return this.#gone.has(coordinator);
  }

  /** An abort or stop arrived for a chunk that does not run here: if it comes here later, it is skipped. */
  noteStopped(chunkId: string): void {
    remember(this.#stopped, chunkId);
  }

  /**
   * Why the chunk just taken must not run, or undefined if it may. A coordinator watched already, or
   * found there within the last second, is taken at its word; any other is looked at once (one round
   * trip; if Redis does not answer, the chunk runs). One judged gone is looked at again: a pool cut
   * off for a while comes back, and its chunks run again from then on.
   */
  async whyNot(chunkId: string, coordinator: string): Promise<string | undefined> {
    if (this.#stopped.has(chunkId)) return "its coordinator stopped it";
    const seen = this.#seen.get(coordinator);
    if (seen !== undefined && Date.now() - seen < coordinatorCheckMs) return undefined;
    for (const watched of this.#watched()) if (watched === coordinator) return undefined;
    try {
      const channel = presenceChannel(this.prefix, coordinator);
      const check = Promise.all([
        this.client.exists(coordinatorKey(this.prefix, coordinator)),
        subscriberCounts(this.client, [channel]),
      ]);
      const [exists, subscribers] = await within(check, checkBoundMs);
      if (exists === 0 || subscribers?.get(channel) === 0) {
        remember(this.#gone, coordinator);
        return "its coordinator is gone";
      }
      this.#gone.delete(coordinator);
      this.#seen.delete(coordinator);
      this.#seen.set(coordinator, Date.now());
      if (this.#seen.size > memory) this.#seen.delete(this.#seen.keys().next().value!);
    } catch {
      // Redis is away or slow: run it; a coordinator that is gone is seen by the next checks.
    }
    return undefined;
  }

  async #check(coordinators: string[]): Promise<void> {
    const gone = await this.#presence.check(coordinators);
    for (const coordinator of gone) {
      // Other workers skip its chunks from now on, without waiting for its heartbeat to expire. Sent
      // before anything else happens here (the log line among them): a coordinator that hears of
      // its verdict and comes back announces itself after this, not before it, to be deleted.
      const deleted = this.client.del(coordinatorKey(this.prefix, coordinator)).catch(() => {});
      this.#presence.forget(coordinator);
      this.#answered.delete(coordinator);
      remember(this.#gone, coordinator);
      this.#seen.delete(coordinator);
      this.onGone(coordinator);
      await deleted;
    }
  }
}

/** Adds `value`, forgetting the oldest beyond {@link memory}. */
function remember(set: Set<string>, value: string): void {
  set.add(value);
  if (set.size > memory) set.delete(set.values().next().value!);
}
