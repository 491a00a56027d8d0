// What `npm run bench:cluster` saves (bench/results/cluster.json, and docs/results/cluster.json with --publish).
import type { PublishedMeta } from "../../src/scaling/publish.ts";
import type { FailoverReport } from "./failover.ts";

export interface ClusterReport {
  readonly meta: PublishedMeta & {
    /** Timed runs per measurement, after one warm-up. */
    readonly repeat: number;
  };
  /** The primes workload on one worker process, then on two. */
  readonly coarse: {
    readonly size: number;
    readonly oneWorkerMs: readonly number[];
    readonly twoWorkersMs: readonly number[];
    readonly speedup: number;
    readonly target: string;
  };
  /** The tiny-items workload (tens of ns per item) on the two worker processes, against the plain loop, interleaved. */
  readonly tiny: {
    readonly items: number;
    readonly sequentialMs: readonly number[];
    readonly clusterMs: readonly number[];
    readonly speedup: number;
    readonly target: string;
    /** Per timed run: the commands Redis ran (INFO commandstats, scripts' own included) over the chunks sent. */
    readonly redisCommandsPerChunk?: readonly number[];
  };
  /** One map over `items` numbers: on the cluster, on the threads backend, and on plain BullMQ. */
  readonly fine: {
    readonly items: number;
    readonly clusterMs: readonly number[];
    readonly threadsMs: readonly number[];
    readonly clusterOverThreads: number;
    readonly target: string;
    readonly weftItemsPerSecond: number;
    readonly bullmqItemsPerSecond: number;
    /** Plain BullMQ ran a prefix of this many items, one job each. */
    readonly bullmqItems: number;
    readonly weftOverBullmq: number;
    readonly bullmqTarget: string;
  };
  /** Chunks of one no-op item: one in flight at a time, then `slots` at once. */
  readonly chunkTrip: {
    readonly chunks: number;
    readonly oneInFlightMsPerChunk: number;
    readonly slots: number;
    readonly manyInFlightMsPerChunk: number;
  };
  /** One chunk of about a second's work, undisturbed and with its worker SIGKILLed as it starts (every setting at its default). */
  readonly recovery: {
    readonly undisturbedMs: number;
    readonly killedMs: number;
    readonly recoveryMs: number;
  };
  /**
   * The coarse, tiny and fine jobs on `workers` worker processes of one thread each, more than the
   * machine's cores (meta.cores) when it ran on two; absent from runs before it was measured.
   */
  readonly manyWorkers?: {
    readonly workers: number;
    readonly coarseMs: readonly number[];
    /** Over `coarse.oneWorkerMs`. */
    readonly coarseSpeedup: number;
    /** The plain loop, run in turn with `tinyClusterMs`. */
    readonly tinySequentialMs: readonly number[];
    readonly tinyClusterMs: readonly number[];
    readonly tinySpeedup: number;
    readonly tinyRedisCommandsPerChunk: readonly number[];
    readonly fineMs: readonly number[];
    /** Over `fine.threadsMs`. */
    readonly fineOverThreads: number;
  };
  /**
   * A second worker process spawned `joinAfterMs` into a job of `items` items on one, against the same
   * job on one worker all along and on two, in turn; one thread each, and a pool that follows the
   * threads in the workers' heartbeats. Absent from runs before it was measured.
   */
  readonly join?: {
    readonly items: number;
    /** The work of one item as planned from a spin timed in the coordinator's process; the workers may differ. */
    readonly itemMs: number;
    readonly joinAfterMs: number;
    readonly oneWorkerMs: readonly number[];
    readonly joinedMs: readonly number[];
    readonly twoWorkersMs: readonly number[];
    /** Per joined run: from its spawn until it said it was serving (its first heartbeat written). */
    readonly startupMs: readonly number[];
    /** Per joined run: from then until it ran its first item of the job. */
    readonly readyToChunkMs: readonly number[];
    /** Per joined run: from its spawn until it ran its first item of the job. */
    readonly firstChunkMs: readonly number[];
    /** (one worker - joined) / (one worker - two workers), of the medians: the share of a second worker's saving the joiner won. */
    readonly shareOfGain: number;
  };
  /** The Redis primary SIGKILLed mid-job under Sentinel and under a Redis Cluster; absent from runs before it was measured. */
  readonly failover?: FailoverReport;
}
