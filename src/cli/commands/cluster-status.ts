// `weft cluster status`: who is connected to a cluster and what its queue holds.
import { ClusterMonitor } from "../../backends/redis/cluster-status.ts";

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
    console.log(
      `  ${status.workers.length} workers, ${status.threads} threads; chunks: ${status.inFlight} in flight, ${status.queued} queued`,
    );
    console.log(`  done ${status.done}, failed ${status.failed} (since each worker started)`);
    for (const b of status.workers) {
      console.log(
        `  ${b.id}: ${b.concurrency} threads on ${b.cores} cores, running ${b.running}, done ${b.done}, failed ${b.failed}; serves ${b.tasks.join(", ")}`,
      );
    }
  } finally {
    await monitor.close();
  }
}
