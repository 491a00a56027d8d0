// What a cluster is doing, read from Redis by anyone who can reach it: the workers there (their
// heartbeats), the chunks in the queue and those the workers have taken. `weft cluster status` prints it, and `weft serve`
// on a cluster exports it as metrics, which an autoscaler reads to add or remove machines.
import {
  checkRedis,
  closeRedis,
  connect,
  resolveRedis,
  type RedisClient,
  type RedisOptions,
  type ResolvedRedis,
} from "./connection.ts";
import { queueKey, takenKey, type CoordinatorBeat, type RedisPrimary, type WorkerBeat } from "./keys.ts";
import { coordinatorBeats, workerBeats } from "./presence.ts";
import { PrimaryTracker } from "./primary.ts";

export interface ClusterStatus {
  /** The Redis, without its password. */
  readonly redis: string;
  readonly prefix: string;
  /** The primary this read came from; each process's own is in its heartbeat. */
  readonly primary: RedisPrimary | undefined;
  /** Each worker's heartbeat, by id. */
  readonly workers: WorkerBeat[];
  /** Each coordinator's (a pool on the cluster, a `weft serve`), by id. */
  readonly coordinators: CoordinatorBeat[];
  readonly threads: number;
  /** Chunks a worker has taken and not finished. */
  readonly inFlight: number;
  /** Chunks waiting for a worker: the queue's depth. */
  readonly queued: number;
  /** Chunks finished and failed, since each worker there now started. */
  readonly done: number;
  readonly failed: number;
}

export class ClusterMonitor {
  readonly #primary: PrimaryTracker;

  private constructor(
    readonly redis: ResolvedRedis,
    readonly client: RedisClient,
  ) {
    this.#primary = new PrimaryTracker(client, redis.prefix);
  }

  /** Whether its connection is up; not while Redis restarts or fails over. */
  get connected(): boolean {
    return this.client.status === "ready";
  }

  /** Connects to the cluster's Redis; fails, saying where, when it cannot be reached. */
  static async open(options: string | RedisOptions): Promise<ClusterMonitor> {
    const redis = resolveRedis(options);
    await checkRedis(redis);
    const client = connect(redis);
    // A lost Redis shows in what read() answers (an error, a late answer): not as a log line per retry.
    client.on("error", () => {});
    return new ClusterMonitor(redis, client);
  }

  async read(): Promise<ClusterStatus> {
    const { prefix } = this.redis;
    const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
    const [beats, coordinators, queued] = await Promise.all([
      workerBeats(this.client, prefix).then((all) => all.sort(byId)),
      coordinatorBeats(this.client, prefix).then((all) => all.sort(byId)),
      this.client.llen(queueKey(prefix)),
    ]);
    const taken =
      beats.length === 0
        ? []
        : await this.client.pipeline(beats.map(({ id }) => ["llen", takenKey(prefix, id)])).exec();
    return {
      redis: this.redis.where,
      prefix,
      primary: await this.#primary.read(),
      workers: beats,
      coordinators,
      threads: beats.reduce((n, b) => n + b.concurrency, 0),
      inFlight: (taken ?? []).reduce((n, [, length]) => n + (Number(length) || 0), 0),
      queued,
      done: beats.reduce((n, b) => n + b.done, 0),
      failed: beats.reduce((n, b) => n + b.failed, 0),
    };
  }

  async close(): Promise<void> {
    await closeRedis(this.client);
  }
}
