// What `npm run bench:server` saves (bench/results/server.json, and docs/results/server.json with --publish).
import type { PublishedMeta } from "../src/scaling/publish.ts";

export interface Latencies {
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export interface RouteResult {
  readonly route: string;
  readonly requests: number;
  /** Replies that were not 2xx, or requests that failed. */
  readonly errors: number;
  readonly statuses: Record<string, number>;
  readonly durationMs: number;
  readonly requestsPerSecond: number;
  readonly latencyMs: Latencies;
}

export interface ServerReport {
  readonly meta: PublishedMeta & {
    /** How the load was made. */
    readonly generator: string;
    /** Concurrent keep-alive connections, each sending its next request when the last one answered. */
    readonly connections: number;
    readonly requestsPerRoute: number;
    readonly secondsCapPerRoute: number;
    readonly warmupRequests: number;
    readonly serverWorkers: number;
    /** Where the job store was: "a file (SQLite, WAL)" or ":memory:". */
    readonly db: string;
  };
  /** The submit route (POST /api/jobs), then the status route (GET /api/jobs/:id). */
  readonly routes: readonly RouteResult[];
  /** The submitted jobs running to the end, between the two routes. */
  readonly drain: {
    readonly jobs: number;
    readonly afterLastSubmitMs: number;
    readonly jobsPerSecond: number;
  };
}
