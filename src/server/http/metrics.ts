// `/metrics` in Prometheus's text format: jobs by state, items and chunks processed, workers, the
// queue, retries and worker restarts; on a cluster, also its chunks queued and in flight and its
// workers, what an autoscaler adds or removes machines by. Counters only grow; rates are Prometheus's
// to take.
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { ClusterMonitor, ClusterStatus } from "../../backends/redis/cluster-status.ts";
import type { JobState } from "../api/types.ts";
import type { JobService } from "../jobs/job-service.ts";

const states: readonly JobState[] = ["queued", "running", "completed", "failed", "cancelled", "interrupted"];

export function createMetrics(service: JobService, cluster: ClusterMonitor | undefined): Registry {
  const registry = new Registry();
  if (cluster) clusterMetrics(registry, cluster);
  new Gauge({
    name: "weft_jobs",
    help: "Jobs in the store, by state",
    labelNames: ["state"],
    registers: [registry],
    async collect() {
      const counts = await service.countByState();
      for (const state of states) this.set({ state }, counts[state] ?? 0);
    },
  });
  new Gauge({
    name: "weft_queue_depth",
    help: "Jobs accepted and waiting for a place to run",
    registers: [registry],
    async collect() {
      this.set((await service.countByState()).queued ?? 0);
    },
  });
  new Gauge({
    name: "weft_workers",
    help: "Workers of the service's pool, by whether they are running a chunk",
    labelNames: ["busy"],
    registers: [registry],
    collect() {
      const { workers } = service.workers();
      const busy = workers.filter((w) => w.busy).length;
      this.set({ busy: "true" }, busy);
      this.set({ busy: "false" }, workers.length - busy);
    },
  });
  const items = new Counter({
    name: "weft_items_processed_total",
    help: "Input items processed, summed over chunks (items/s: rate of this)",
    registers: [registry],
  });
  const chunks = new Histogram({
    name: "weft_chunk_duration_seconds",
    help: "How long chunks ran on their workers",
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const retries = new Counter({
    name: "weft_retries_total",
    help: "Chunks sent again after a failure",
    registers: [registry],
  });
  const restarts = new Counter({
    name: "weft_worker_restarts_total",
    help: "Workers ended and replaced (crashes, deadlines, cancellations)",
    registers: [registry],
  });
  service.on("chunk", (chunk) => {
    items.inc(chunk.items);
    chunks.observe((chunk.endedAt - chunk.startedAt) / 1000);
  });
  service.on("retry", () => retries.inc());
  service.on("restart", () => restarts.inc());
  return registry;
}

/** How long one reading of the cluster serves a scrape's gauges: one read of Redis per scrape. */
const clusterReadingMs = 1000;

function clusterMetrics(registry: Registry, cluster: ClusterMonitor): void {
  let reading: { at: number; status: Promise<ClusterStatus> } | undefined;
  const status = () => {
    if (!reading || Date.now() - reading.at > clusterReadingMs) {
      reading = { at: Date.now(), status: cluster.read() };
    }
    return reading.status;
  };
  new Gauge({
    name: "weft_cluster_chunks",
    help: "Chunks in the cluster's queue: waiting for a worker (queued, the queue's depth) or taken by one (in_flight)",
    labelNames: ["state"],
    registers: [registry],
    async collect() {
      const { queued, inFlight } = await status();
      this.set({ state: "queued" }, queued);
      this.set({ state: "in_flight" }, inFlight);
    },
  });
  new Gauge({
    name: "weft_cluster_workers",
    help: "weft worker processes connected to the cluster (their heartbeats)",
    registers: [registry],
    async collect() {
      this.set((await status()).workers.length);
    },
  });
  new Gauge({
    name: "weft_cluster_threads",
    help: "Threads of the weft worker processes connected to the cluster",
    registers: [registry],
    async collect() {
      this.set((await status()).threads);
    },
  });
}
