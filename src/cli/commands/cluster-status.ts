// `weft cluster status`: who is connected to a cluster and what its queue holds.
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { checkRedis, resolveRedis } from "../../backends/redis/connection.ts";
import { chunkQueueName } from "../../backends/redis/keys.ts";
import { workerBeats } from "../../backends/redis/presence.ts";

export async function clusterStatus(options: {
  redis: string;
  prefix: string;
  json: boolean;
}): Promise<void> {
  const redis = resolveRedis({ url: options.redis, prefix: options.prefix });
  await checkRedis(redis);
  const client = new Redis({ ...redis.connection });
  const queue = new Queue(chunkQueueName, { connection: { ...redis.connection }, prefix: redis.prefix });
  try {
    const beats = (await workerBeats(client, redis.prefix)).sort((a, b) => a.id.localeCompare(b.id));
    const counts = await queue.getJobCounts("waiting", "active", "delayed", "prioritized");
    const queued = (counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0);
    const status = {
      redis: redis.where,
      prefix: redis.prefix,
      workers: beats,
      threads: beats.reduce((n, b) => n + b.concurrency, 0),
      inFlight: counts.active ?? 0,
      queued,
      done: beats.reduce((n, b) => n + b.done, 0),
      failed: beats.reduce((n, b) => n + b.failed, 0),
    };
    if (options.json) return console.log(JSON.stringify(status, null, 2));
    console.log(`cluster at ${status.redis}, prefix "${status.prefix}"`);
    console.log(
      `  ${beats.length} workers, ${status.threads} threads; chunks: ${status.inFlight} in flight, ${queued} queued`,
    );
    console.log(`  done ${status.done}, failed ${status.failed} (since each worker started)`);
    for (const b of beats) {
      console.log(
        `  ${b.id}: ${b.concurrency} threads on ${b.cores} cores, running ${b.running}, done ${b.done}, failed ${b.failed}; serves ${b.tasks.join(", ")}`,
      );
    }
  } finally {
    await queue.close();
    client.disconnect();
  }
}
