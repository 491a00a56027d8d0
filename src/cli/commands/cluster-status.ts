// `weft cluster status`: who is connected to a cluster and what its queue holds.
import { ClusterMonitor } from "../../backends/redis/cluster-status.ts";
import type { RedisPrimary } from "../../backends/redis/keys.ts";

export async function clusterStatus(options: {
  redis: string;
  prefix: string;
  json: boolean;
}): Promise<void> {
  const monitor = await ClusterMonitor.open({ url: options.redis, prefix: options.prefix });
  try {
    const status = await monitor.read();
    if (options.json) return console.log(JSON.stringify(status, null, 2));
    console.log(`cluster at ${status.redis}, prefix "${status.prefix}"`);
    if (status.primary) console.log(`  read from the Redis primary at ${status.primary.address}`);
    console.log(
      `  ${status.workers.length} workers, ${status.threads} threads; chunks: ${status.inFlight} in flight, ${status.queued} queued`,
    );
    console.log(`  done ${status.done}, failed ${status.failed} (since each worker started)`);
    for (const b of status.workers) {
      console.log(
        `  worker ${b.id}: ${b.concurrency} threads on ${b.cores} cores, running ${b.running}, done ${b.done}, failed ${b.failed}; ${onPrimary(b.redis)}; serves ${b.tasks.join(", ")}`,
      );
    }
    for (const c of status.coordinators) {
      console.log(`  coordinator ${c.id}: pid ${c.pid} on ${c.host}; ${onPrimary(c.redis)}`);
    }
  } finally {
    await monitor.close();
  }
}

/** Where a process says it is connected, and since when: after a failover, who has followed the new primary. */
function onPrimary(primary: RedisPrimary | undefined): string {
  return primary ? `on primary ${primary.address} since ${primary.since}` : "primary not reported";
}
