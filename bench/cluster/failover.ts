// What a failover of the cluster's Redis costs a running job: the same job on two `weft worker`s
// undisturbed, then with the Redis primary SIGKILLed halfway through, under Sentinel and under a Redis
// Cluster. weft and its workers run with every setting at its default; the Redis side is told to call
// a primary down after 1 s (Sentinel's down-after-milliseconds, the Cluster's node timeout), since with
// Sentinel's own default of 30 s the wait would be that.
import { median } from "../../src/scaling/analysis.ts";
import type { PublishedMeta } from "../../src/scaling/publish.ts";
import { weft, type Pool } from "../../src/index.ts";
import { spin } from "../../src/workloads/kernels/spin.ts";
import { add, spinItem, type SpinItem } from "../../src/workloads/tasks.ts";
import { startClusterWorker, type ClusterWorkerProcess } from "../../test/support/cluster.ts";
import { startRedisCluster, startSentinelSet } from "../../test/support/redis-failover.ts";
import type { RedisServer } from "../../test/support/redis-server.ts";

/** How long a primary stays silent before it is called down, in both set-ups. */
export const downAfterMs = 1000;

export type Topology = "sentinel" | "cluster";

export interface FailoverCost {
  readonly items: number;
  /** The job undisturbed, in ms: one run per set-up. */
  readonly undisturbedMs: readonly number[];
  /** The same job with the primary killed halfway, in ms. */
  readonly failedOverMs: readonly number[];
  /** From the kill to the replica answering as the primary, in ms. */
  readonly promotionMs: readonly number[];
  /** From the kill to the first chunk the pool saw finish after the promotion, in ms. */
  readonly stallMs: readonly number[];
  /** What the failover added to the job: median failed over, less median undisturbed. */
  readonly costMs: number;
}

export interface FailoverReport {
  /** Its own run's: `npm run bench:cluster -- --only failover` publishes it beside an earlier full run. */
  readonly meta: PublishedMeta;
  readonly downAfterMs: number;
  readonly sentinel: FailoverCost;
  readonly cluster: FailoverCost;
}

/** A set-up that can fail over, and how to fail it over. */
interface FailingRedis extends AsyncDisposable {
  readonly url: string;
  /** Kills the primary and resolves once its replica answers as the primary. */
  failOver(): Promise<void>;
}

async function failingRedis(topology: Topology): Promise<FailingRedis> {
  if (topology === "sentinel") {
    const set = await startSentinelSet({ downAfterMs });
    return {
      url: set.url,
      failOver: async () => {
        await set.primary.kill();
        await set.waitForPrimary(set.replica.port, 60_000);
      },
      [Symbol.asyncDispose]: () => set[Symbol.asyncDispose](),
    };
  }
  const cluster = await startRedisCluster({ downAfterMs });
  const owner: { primary: RedisServer; replica: RedisServer } = await cluster.slotOwner("weft");
  return {
    url: cluster.url,
    failOver: async () => {
      await owner.primary.kill();
      await cluster.waitForOwner("weft", owner.replica, 60_000);
    },
    [Symbol.asyncDispose]: () => cluster[Symbol.asyncDispose](),
  };
}

/**
 * `repeat` set-ups of `topology`, each running the job undisturbed, then again with the primary
 * killed once half its items are done.
 */
export async function failoverCost(
  topology: Topology,
  settings: { readonly repeat: number; readonly quick: boolean; readonly modules: readonly string[] },
  log: (line: string) => void,
): Promise<FailoverCost> {
  // About 2 ms an item: some 6 s on two workers (3 s quick), so the failover lands mid-job.
  const items = settings.quick ? 3000 : 6000;
  const rounds = roundsForMs(2);
  const input: SpinItem[] = Array.from({ length: items }, (_, index) => ({ index, rounds }));
  const expected = input.reduce((sum, item) => sum + spin(item.index, item.rounds), 0);
  const samples = { undisturbedMs: [] as number[], failedOverMs: [] as number[] };
  const promotionMs: number[] = [];
  const stallMs: number[] = [];
  for (let run = 0; run < settings.repeat; run++) {
    await using redis = await failingRedis(topology);
    const workers: ClusterWorkerProcess[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        workers.push(await startClusterWorker(redis.url, { threads: 1, modules: settings.modules }));
      }
      await using pool = await weft({ redis: redis.url });
      const job = () => pool.from(input).map(spinItem).reduce(add, 0);
      check(await job(), expected); // warm: the workers have loaded the tasks
      let t0 = performance.now();
      check(await job(), expected);
      samples.undisturbedMs.push(performance.now() - t0);

      const timings = failOverMidJob(pool, items, () => redis.failOver());
      t0 = performance.now();
      check(await job(), expected);
      samples.failedOverMs.push(performance.now() - t0);
      const { promotedAfterMs, firstChunkAfterMs } = await timings();
      promotionMs.push(promotedAfterMs);
      stallMs.push(firstChunkAfterMs);
      log(
        `${topology} failover: job ${Math.round(samples.failedOverMs.at(-1)!)} ms (undisturbed ${Math.round(samples.undisturbedMs.at(-1)!)} ms); ` +
          `replica promoted ${promotedAfterMs} ms after the kill, first chunk done ${firstChunkAfterMs} ms after it`,
      );
    } finally {
      await Promise.all(workers.map((worker) => worker.kill()));
    }
  }
  return {
    items,
    ...samples,
    promotionMs,
    stallMs,
    costMs: median(samples.failedOverMs) - median(samples.undisturbedMs),
  };
}

/**
 * Fails Redis over once the job is half done. What it returns, called as the job ends, resolves with
 * when the replica was promoted and when the first chunk after it finished, from the kill.
 */
function failOverMidJob(
  pool: Pool,
  items: number,
  failOver: () => Promise<void>,
): () => Promise<{ promotedAfterMs: number; firstChunkAfterMs: number }> {
  const chunkTimes: number[] = [];
  let killedAt: number | undefined;
  let promoted: Promise<number> | undefined;
  const onProgress = ({ done }: { done: number }) => {
    if (killedAt !== undefined || done < items / 2) return;
    killedAt = Date.now();
    promoted = failOver().then(() => Date.now());
  };
  const onChunk = () => chunkTimes.push(Date.now());
  pool.events.on("progress", onProgress);
  pool.events.on("chunk", onChunk);
  return async () => {
    const endedAt = Date.now();
    pool.events.off("progress", onProgress);
    pool.events.off("chunk", onChunk);
    if (killedAt === undefined || promoted === undefined)
      throw new Error("failover job: it ended before half its items were done");
    const promotedAt = await promoted;
    const firstChunkAt = chunkTimes.find((at) => at >= promotedAt) ?? endedAt;
    return { promotedAfterMs: promotedAt - killedAt, firstChunkAfterMs: firstChunkAt - killedAt };
  };
}

function check(got: number, expected: number): void {
  if (got !== expected) throw new Error(`failover job: the sum is ${got}, expected ${expected}`);
}

/** Spin rounds that take about `ms` on this machine. */
function roundsForMs(ms: number): number {
  const trial = 1_000_000;
  spin(0, trial);
  const t0 = performance.now();
  spin(1, trial);
  return Math.max(1, Math.round((trial * ms) / (performance.now() - t0)));
}
