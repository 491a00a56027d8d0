// What a cluster is doing, read from Redis by anyone who can reach it: the workers there (their
// heartbeats) and the chunks in BullMQ's queue. `weft cluster status` prints it, and `weft serve`
// on a cluster exports it as metrics, which an autoscaler reads to add or remove machines.
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { checkRedis, resolveRedis, type RedisOptions, type ResolvedRedis } from "./connection.ts";
import { chunkQueueName, type WorkerBeat } from "./keys.ts";
import { workerBeats } from "./presence.ts";

export interface ClusterStatus {
  /** The Redis, without its password. */
  readonly redis: string;
  readonly prefix: string;
  /** Each worker's heartbeat, by id. */
  readonly workers: WorkerBeat[];
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
  private constructor(
    readonly redis: ResolvedRedis,
    readonly client: Redis,
    readonly queue: Queue,
  ) {}

  /** Connects to the cluster's Redis; fails, saying where, when it cannot be reached. */
  static async open(options: string | RedisOptions): Promise<ClusterMonitor> {
    const redis = resolveRedis(options);
    await checkRedis(redis);
    const client = new Redis({ ...redis.connection });
    const queue = new Queue(chunkQueueName, { connection: { ...redis.connection }, prefix: redis.prefix });
    return new ClusterMonitor(redis, client, queue);
  }

  async read(): Promise<ClusterStatus> {
    const beats = (await workerBeats(this.client, this.redis.prefix)).sort((a, b) =>
      a.id.localeCompare(b.id),
    );
    const counts = await this.queue.getJobCounts("waiting", "active", "delayed", "prioritized");
    return {
      redis: this.redis.where,
      prefix: this.redis.prefix,
      workers: beats,
      threads: beats.reduce((n, b) => n + b.concurrency, 0),
      inFlight: counts.active ?? 0,
      queued: (counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0),
      done: beats.reduce((n, b) => n + b.done, 0),
      failed: beats.reduce((n, b) => n + b.failed, 0),
    };
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.client.disconnect();
  }
}
