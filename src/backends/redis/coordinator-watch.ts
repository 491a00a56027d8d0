// What a cluster worker knows of the coordinators whose chunks it takes. A chunk is run only if its
// coordinator is still there and has not withdrawn it (it cancelled the chunk's job, or sent the chunk
// again because the worker it first went to died): checked once, as the chunk is taken. And every
// second the worker looks at the coordinators it keeps jobs for: once one is gone (killed, crashed),
// its running chunks are stopped and its jobs dropped, instead of running for nobody.
import type { RedisClient } from "./connection.ts";
import { within } from "./connection.ts";
import { coordinatorKey, presenceChannel, withdrawnSet } from "./keys.ts";
import { every, PresenceWatch, subscriberCounts } from "./presence.ts";

/** How often a worker looks at the coordinators it keeps jobs for. */
export const coordinatorCheckMs = 1000;
/** How a worker judges coordinators (presence.ts); their heartbeat key is long-lived (cluster-watch.ts). */
const coordinatorPresenceTimes = { channelGraceMs: 1000, keyGraceMs: 3000, holdOffMs: 3000 };
/** How long a chunk waits for the check before it runs anyway. */
const checkBoundMs = 2000;
/** Chunk ids remembered at most: old ones are forgotten first. */
const memory = 1000;

export class CoordinatorWatch {
  readonly #presence: PresenceWatch;
  /** Chunks an abort or stop arrived for before they ran here. */
  readonly #stopped = new Set<string>();
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
    const holdOff = () => this.#presence.holdOff();
    this.client.on("ready", holdOff);
    const stopChecks = every(coordinatorCheckMs, () => this.#check([...known()]), holdOff);
    this.#stop = () => {
      this.client.off("ready", holdOff);
      stopChecks();
    };
  }

  stop(): void {
    this.#stop?.();
  }

  /** An abort or stop arrived for a chunk that does not run here: if it comes here later, it is skipped. */
  noteStopped(bullId: string): void {
    remember(this.#stopped, bullId);
  }

  /** Why the chunk just taken must not run, or undefined if it may. One round trip; if Redis does not answer, it runs. */
  async whyNot(bullId: string, coordinator: string): Promise<string | undefined> {
    if (this.#stopped.has(bullId)) return "its coordinator withdrew it";
    try {
      const channel = presenceChannel(this.prefix, coordinator);
      const check = Promise.all([
        this.client
          .pipeline()
          .sismember(withdrawnSet(this.prefix, coordinator), bullId)
          .exists(coordinatorKey(this.prefix, coordinator))
          .exec(),
        subscriberCounts(this.client, [channel]),
      ]);
      const [replies, subscribers] = await within(check, checkBoundMs);
      const [withdrawn, exists] = replies ?? [];
      if (withdrawn?.[1] === 1) return "its coordinator withdrew it (cancelled, or sent again)";
      if (exists?.[1] === 0 || subscribers?.get(channel) === 0) return "its coordinator is gone";
    } catch {
      // Redis is away or slow: run it; a coordinator that is gone is seen by the next checks.
    }
    return undefined;
  }

  async #check(coordinators: string[]): Promise<void> {
    const gone = await this.#presence.check(coordinators);
    for (const coordinator of gone) {
      this.#presence.forget(coordinator);
      this.onGone(coordinator);
      // Other workers skip its chunks from now on, without waiting for its heartbeat to expire.
      await this.client.del(coordinatorKey(this.prefix, coordinator)).catch(() => {});
    }
  }
}

function remember(set: Set<string>, value: string): void {
  set.add(value);
  if (set.size > memory) set.delete(set.values().next().value!);
}
