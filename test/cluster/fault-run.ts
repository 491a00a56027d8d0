// The job every cluster fault test runs, and the checks every one of them ends with: a cluster of its
// own (each test breaks it), a pool on it, Σ i² over 3000 items of about 1 ms each in chunks of at most
// 50 (about 3 s of work on the cluster's 4 threads), and at the end the sequential answer with every
// item counted exactly once. A fault is what a test does to the cluster while that job runs.
import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import type { Redis } from "ioredis";
import { weft, type ChunkRecord, type Pool } from "../../src/index.ts";
import { add } from "../fixtures/tasks.ts";
import { startCluster, type TestCluster, type WorkerSettings } from "../support/cluster.ts";
import type { RedisServerOptions } from "../support/redis-server.ts";
import { slowSquare } from "./fixtures/slow-tasks.ts";
import {
  adminClient,
  chunkIdParts,
  clientIds,
  sequentialSumOfSquares,
  watchCluster,
  within,
  workerSettings,
  type ClusterLog,
  type ClusterView,
} from "./helpers.ts";

export const faultJob = { items: 3000, maxChunk: 50 } as const;

/** What a pool's events say about its jobs: every chunk record, and the items done so far. */
export interface Watched {
  readonly chunks: readonly ChunkRecord[];
  readonly done: number;
  /** Items over every chunk record: the job's size if no chunk was counted twice. */
  readonly itemsCounted: number;
}

export function watch(pool: Pool): Watched {
  const chunks: ChunkRecord[] = [];
  let done = 0;
  pool.events.on("chunk", (c) => chunks.push(c));
  pool.events.on("progress", (p) => (done = p.done));
  return {
    chunks,
    get done() {
      return done;
    },
    get itemsCounted() {
      return chunks.reduce((n, c) => n + c.items, 0);
    },
  };
}

/** What a fault is given: the cluster, views of its Redis, and the pool whose job it interrupts. */
export interface FaultRun {
  readonly t: TestContext;
  readonly cluster: TestCluster;
  /** A connection of the test's own. */
  readonly admin: Redis;
  /** What Redis ran, from before the pool opened. */
  readonly traffic: ClusterView;
  readonly pool: Pool;
  /** The ids of the Redis connections the pool opened (`CLIENT LIST`). */
  readonly poolClients: readonly string[];
  readonly seen: Watched;
  /** The job's answer. */
  readonly job: Promise<number>;
  /** Runs `act` when the job's first chunk record arrives, in the same turn: the job is under way. */
  readonly atFirstChunk: <T>(act: () => T) => Promise<Awaited<T>>;
}

export interface Fault {
  readonly name: string;
  /** @default workerSettings: two threads each */
  readonly workers?: WorkerSettings;
  readonly redis?: RedisServerOptions;
  /** The pool's; also sets how often it checks its chunks in flight (a third of it, at most 5 s). */
  readonly unreachableTimeoutMs?: number;
  /** Runs before the job starts, the pool open. */
  before?(run: Omit<FaultRun, "job" | "atFirstChunk">): Promise<void>;
  /**
   * Runs once the job has started: breaks something while it runs, and checks what it can before the
   * job ends. What it returns runs after the answer has been checked.
   */
  during(run: FaultRun): Promise<(() => Promise<void>) | undefined>;
}

/** Starts the cluster and the job, lets `fault` break things, and checks the job's answer is exact. */
export async function runThroughFault(t: TestContext, fault: Fault): Promise<void> {
  const expected = await sequentialSumOfSquares(faultJob.items);
  await using cluster = await startCluster(2, fault.workers ?? workerSettings, fault.redis);
  await using admin = await adminClient(cluster.redis.url);
  await using traffic = await watchCluster(cluster.redis.port);
  const others = await clientIds(admin);
  await using pool = await weft({
    redis: { url: cluster.redis.url, unreachableTimeoutMs: fault.unreachableTimeoutMs },
    maxChunk: faultJob.maxChunk,
  });
  // The connections that appeared with the pool are the coordinator's.
  const poolClients = [...(await clientIds(admin))].filter((id) => !others.has(id));
  const seen = watch(pool);
  const setting = { t, cluster, admin, traffic, pool, poolClients, seen };
  await fault.before?.(setting);

  const job = Promise.resolve(pool.range(0, faultJob.items).map(slowSquare).reduce(add));
  const atFirstChunk = <T>(act: () => T) =>
    new Promise<Awaited<T>>((resolve, reject) =>
      pool.events.once("chunk", () => {
        try {
          // A promise it returns is adopted: this resolves when that does.
          resolve(act() as Awaited<T>);
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      }),
    );
  const [answer, faulted] = await Promise.allSettled([
    within(job, 60_000, "the job ending"),
    fault.during({ ...setting, job, atFirstChunk }),
  ]);
  if (faulted.status === "rejected") throw faulted.reason;
  if (answer.status === "rejected") throw answer.reason;
  assert.equal(answer.value, expected, "the sequential answer");
  assert.equal(seen.itemsCounted, faultJob.items, "every item in exactly one chunk record");
  assert.equal(seen.done, faultJob.items);
  await faulted.value?.();
}

/** Each chunk's sendings (their ids), by chunk seq, in the order they were pushed onto the queue. */
export function sendsByChunk(log: ClusterLog): Map<number, string[]> {
  const sends = new Map<number, string[]>();
  for (const id of log.added) {
    const { seq } = chunkIdParts(id);
    sends.set(seq, [...(sends.get(seq) ?? []), id]);
  }
  return sends;
}

/**
 * The chunks whose first sending was never answered, by seq: lost with Redis's data (or answered
 * while the log's own connection was down, across a restart).
 */
export function chunksLost(log: ClusterLog): number[] {
  return [...sendsByChunk(log)]
    .filter(([, [first]]) => !log.completed.has(first!))
    .map(([seq]) => seq)
    .sort((a, b) => a - b);
}
