// What `npm run bench:server` saves (bench/results/server.json, and docs/results/server.json with
// --publish), and what its --replicas mode saves (server-replicas.json).
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

/** How the routes were loaded, the same for one server and for replicas. */
interface LoadSettings {
  /** How the load was made. */
  readonly generator: string;
  /** Concurrent keep-alive connections, each sending its next request when the last one answered. */
  readonly connections: number;
  readonly requestsPerRoute: number;
  readonly secondsCapPerRoute: number;
  readonly warmupRequests: number;
}

export interface ServerReport {
  readonly meta: PublishedMeta &
    LoadSettings & {
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

/** What `npm run bench:server -- --replicas` saves (bench/results/server-replicas.json, and with --publish docs/results/). */
export interface ReplicasReport {
  readonly meta: PublishedMeta &
    LoadSettings & {
      /** Threads of each replica's pool. */
      readonly workersPerReplica: number;
      /** Where the replicas' job store was. */
      readonly store: string;
      readonly leaseSeconds: number;
      readonly leaseRenewalSeconds: number;
    };
  /** The submit route, then the status route, on one replica and on two behind a round-robin. */
  readonly scaling: readonly { readonly replicas: number; readonly routes: readonly RouteResult[] }[];
  /** From a replica's SIGKILL to its running job running again on the other. */
  readonly takeoverMs: number;
  /** `weft serve` SIGKILLed mid-job and started again: on threads, then on a cluster. */
  readonly restarts: readonly RestartFigures[];
}

/** The work one restart redid (bench/server-restart.ts). */
export interface RestartFigures {
  readonly backend: "threads" | "cluster";
  /** Where the ledgers of settled chunks were kept. */
  readonly ledgers: string;
  /** Threads of the server's pool, or of the cluster's workers. */
  readonly threads: number;
  /** The kills: one with both jobs part done; two on a cluster, whose pool runs the oldest job first. */
  readonly kills: number;
  /** The task job at the last kill it was running at: its items, those its ledger held, and those run again. */
  readonly task: {
    readonly label: string;
    readonly items: number;
    readonly heldAtKill: number;
    /** Items run before the kill whose results the ledger lacked: run again after the restart. */
    readonly redone: number;
    /** The chunks those items were in: the chunks in flight at the kill. */
    readonly redoneChunks: number;
  };
  /** The workload job at the last kill it was running at. */
  readonly workload: { readonly label: string; readonly items: number; readonly heldAtKill: number };
  /** From the last start of the server to its jobs' end. */
  readonly restartToEndMs: number;
}
