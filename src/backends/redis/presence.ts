// Who is still there. Every coordinator and worker of a cluster, while it runs, subscribes to a
// channel of its own and keeps a heartbeat key that expires a few seconds after its last beat. Redis
// drops the subscription the moment the process's connection closes (a kill, a crash: the kernel
// closes its sockets), and the key once the beats stop (a machine gone without closing anything, a
// frozen process). A watch tells the dead from the briefly disconnected: an absence must last a grace
// period, seen at the start and the end of it, and after its own connection came back the watch
// judges no one until the others have had time to come back too.
import type { RedisClient } from "./connection.ts";
import {
  coordinatorKey,
  coordinatorSet,
  presenceChannel,
  workerKey,
  workerSet,
  type CoordinatorBeat,
  type WorkerBeat,
} from "./keys.ts";
import { parseBeat, parseCoordinatorBeat } from "./messages.ts";

export interface PresenceTimes {
  /** How long the channel must stay without a subscriber: longer than a reconnection takes (ioredis retries after 100 ms). */
  readonly channelGraceMs: number;
  /** How long the heartbeat key must stay missing: longer than the time between beats. */
  readonly keyGraceMs: number;
  /** After the watcher's own connection came back: no verdict for this long, while the others reconnect and beat. */
  readonly holdOffMs: number;
}

interface Absence {
  channelSince?: number;
  keySince?: number;
}

export class PresenceWatch {
  readonly #absent = new Map<string, Absence>();
  #quietUntil = 0;

  /**
   * @param keyOf the heartbeat key of a process, by id
   */
  constructor(
    readonly client: RedisClient,
    readonly prefix: string,
    readonly keyOf: (id: string) => string,
    readonly times: PresenceTimes,
  ) {}

  /** The watcher lost Redis or reconnected: what it saw before says nothing now. */
  holdOff(now = Date.now()): void {
    this.#absent.clear();
    this.#quietUntil = now + this.times.holdOffMs;
  }

  /** Forgets what it saw of `id` (it left the watch). */
  forget(id: string): void {
    this.#absent.delete(id);
  }

  /** Looks at each of `ids` once (one round trip); resolves with those judged gone. Rejects if Redis does not answer. */
  async check(ids: readonly string[]): Promise<Set<string>> {
    const gone = new Set<string>();
    if (ids.length === 0) return gone;
    const heartbeats = this.client.pipeline();
    for (const id of ids) heartbeats.exists(this.keyOf(id));
    const [subscribers, replies] = await Promise.all([
      subscriberCounts(
        this.client,
        ids.map((id) => presenceChannel(this.prefix, id)),
      ),
      heartbeats.exec(),
    ]);
    const failed = replies?.find(([error]) => error);
    if (!replies || failed?.[0] || replies.length !== ids.length)
      throw failed?.[0] ?? new Error("no reply from Redis");
    const now = Date.now();
    ids.forEach((id, i) => {
      const absence = this.#absent.get(id) ?? {};
      if ((subscribers?.get(presenceChannel(this.prefix, id)) ?? 1) > 0) delete absence.channelSince;
      else absence.channelSince ??= now;
      if (replies[i]![1] === 1) delete absence.keySince;
      else absence.keySince ??= now;
      this.#absent.set(id, absence);
      if (now < this.#quietUntil) return;
      const { channelSince, keySince } = absence;
      if (
        (channelSince !== undefined && now - channelSince >= this.times.channelGraceMs) ||
        (keySince !== undefined && now - keySince >= this.times.keyGraceMs)
      ) {
        gone.add(id);
      }
    });
    return gone;
  }
}

/**
 * How many subscribe to each of `channels`, or undefined on a Redis Cluster: there a subscription
 * lives on whichever node the client picked, PUBSUB NUMSUB counts one node's own, and a node that
 * fails over takes its subscriptions with it; presence there is the heartbeat key alone.
 */
export async function subscriberCounts(
  client: RedisClient,
  channels: readonly string[],
): Promise<Map<string, number> | undefined> {
  if (client.isCluster) return undefined;
  const numsub = (await client.pubsub("NUMSUB", ...channels)) as (string | number)[];
  const counts = new Map<string, number>();
  for (let i = 0; i + 1 < numsub.length; i += 2) counts.set(String(numsub[i]), Number(numsub[i + 1]));
  return counts;
}

/**
 * Runs `tick` every `ms`, never two at once (one waiting on a slow Redis is not stacked), and reports
 * what it throws to `failed`. `stop()` ends it.
 */
export function every(ms: number, tick: () => Promise<void>, failed: (error: Error) => void): () => void {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    tick()
      .catch((error: Error) => failed(error))
      .finally(() => (busy = false));
  }, ms);
  return () => clearInterval(timer);
}

/** The heartbeats of the workers in the cluster's set of worker ids (no scan of the whole Redis); ids whose heartbeat expired leave the set. */
export function workerBeats(redis: RedisClient, prefix: string): Promise<WorkerBeat[]> {
  return beatsIn(redis, workerSet(prefix), (id) => workerKey(prefix, id), parseBeat);
}

/** The heartbeats of the coordinators there now, the same way. */
export function coordinatorBeats(redis: RedisClient, prefix: string): Promise<CoordinatorBeat[]> {
  return beatsIn(redis, coordinatorSet(prefix), (id) => coordinatorKey(prefix, id), parseCoordinatorBeat);
}

async function beatsIn<Beat>(
  redis: RedisClient,
  set: string,
  keyOf: (id: string) => string,
  parse: (text: string | null) => Beat | undefined,
): Promise<Beat[]> {
  const ids = await redis.smembers(set);
  if (ids.length === 0) return [];
  const texts = await redis.mget(ids.map(keyOf));
  const gone = ids.filter((_, i) => texts[i] === null);
  if (gone.length > 0) await redis.srem(set, ...gone);
  return texts.flatMap((text) => parse(text) ?? []);
}

/** Threads of the cluster's workers there now, from their heartbeats. */
export async function clusterThreads(redis: RedisClient, prefix: string): Promise<number> {
  return (await workerBeats(redis, prefix)).reduce((sum, beat) => sum + beat.concurrency, 0);
}
