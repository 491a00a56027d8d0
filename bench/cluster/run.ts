// `npm run bench:cluster`: weft on a cluster of `weft worker` processes (one thread each) against
// one worker, against the threads backend, and against plain BullMQ with one job per item, on two
// worker processes and again on four; plus the cost of a chunk's trip through Redis, the time to
// recover a chunk whose worker was killed, a worker that joins a running job, and a Redis primary that
// fails over mid-job under Sentinel and under a Redis Cluster.
// Saves bench/results/cluster.json, and with --publish docs/results/cluster.json for npm run docs:results.
import { watch } from "node:fs";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { median } from "../../src/scaling/analysis.ts";
import { commandLine, publish, publishedMeta, resultsDirectory } from "../../src/scaling/publish.ts";
import { weft, type Pool, type WeftOptions } from "../../src/index.ts";
import { isPrime as isPrimeKernel } from "../../src/workloads/kernels/primes.ts";
import { spin } from "../../src/workloads/kernels/spin.ts";
import { primes } from "../../src/workloads/primes.ts";
import { tiny } from "../../src/workloads/tiny.ts";
import { isPrime } from "../../src/workloads/tasks.ts";
import { startClusterWorker, type ClusterWorkerProcess } from "../../test/support/cluster.ts";
import { startRedis } from "../../test/support/redis-server.ts";
import { announceAndSpin, noop, stampAndSpin, type Stamped } from "./cluster-bench-tasks.ts";
import { downAfterMs, failoverCost, type FailoverCost, type FailoverReport } from "./failover.ts";
import type { ClusterReport } from "./report.ts";

const { values: args } = parseArgs({
  options: {
    repeat: { type: "string", default: "3" },
    quick: { type: "boolean", default: false },
    // Also save the results as docs/results/cluster.json, for npm run docs:results.
    publish: { type: "boolean", default: false },
    // "failover": only what a failover of the Redis primary costs, published beside the other rows
    // with its own provenance; it needs no worker of the run's own Redis.
    only: { type: "string" },
  },
});
const repeat = Number(args.repeat);
if (!Number.isInteger(repeat) || repeat < 1) throw new Error("--repeat must be a positive integer");
const quick = args.quick;
if (args.publish) resultsDirectory(); // fails now, not after the run, when there is nowhere to publish
const published = publishedMeta(commandLine("npm run bench:cluster", process.argv.slice(2)), quick);
const coarseSize = quick ? 2_000_000 : 20_000_000;
const tinySize = quick ? tiny.quickSize : tiny.defaultSize;
const fineItems = quick ? 100_000 : 1_000_000;
const bullmqItems = quick ? 2_000 : 20_000;
const chunkTrips = quick ? 200 : 1000;
// Twice the worker processes of the rows before: on two cores, more processes than cores, as in a
// cluster whose machines each run a worker of a thread or two whatever their cores.
const manyWorkers = 4;
// A job of about 6 s (4 s quick) on one worker, which a second joins 1 s in: its start-up (about a
// second, longer on a busy machine) leaves it a share of the job even when quick.
const joinItems = quick ? 400 : 600;
const joinItemMs = 10;
const joinAfterMs = 1000;
const resultsPath = fileURLToPath(new URL("../results/cluster.json", import.meta.url));
const modules = [
  fileURLToPath(new URL("../../src/workloads/tasks.ts", import.meta.url)),
  fileURLToPath(new URL("./cluster-bench-tasks.ts", import.meta.url)),
];
const log = (line: string) => console.error(line);

/** Median of `repeat` timed runs after one warm-up. */
async function timed<T>(run: () => Promise<T>, check: (answer: T) => void): Promise<number[]> {
  check(await run());
  const samples: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    const answer = await run();
    samples.push(performance.now() - t0);
    check(answer);
  }
  return samples;
}

function equals<T>(expected: T, what: string): (got: T) => void {
  return (got) => {
    if (JSON.stringify(got) !== JSON.stringify(expected)) throw new Error(`${what}: wrong answer`);
  };
}

async function withPool<T>(options: WeftOptions, use: (pool: Pool) => Promise<T>): Promise<T> {
  await using pool = await weft(options);
  return await use(pool);
}

if (args.only !== undefined && args.only !== "failover")
  throw new Error(`--only takes "failover", got "${args.only}"`);
if (args.only === "failover") {
  const failover = await measureFailovers();
  console.log(
    `\n${failoverLine("Sentinel", failover.sentinel)}\n${failoverLine("Redis Cluster", failover.cluster)}`,
  );
  if (args.publish) {
    const stored = JSON.parse(
      readFileSync(join(resultsDirectory(), "cluster.json"), "utf8"),
    ) as ClusterReport;
    log(`published ${publish("cluster.json", { ...stored, failover })}; now run npm run docs:results`);
  }
  process.exit(0);
}

/** Fresh Redis set-ups of their own for each run: each failover kills a primary for good. */
async function measureFailovers(): Promise<FailoverReport> {
  const settings = { repeat: Math.min(repeat, 3), quick, modules };
  return {
    meta: published,
    downAfterMs,
    sentinel: await failoverCost("sentinel", settings, log),
    cluster: await failoverCost("cluster", settings, log),
  };
}

const redis = await startRedis();
const workers: ClusterWorkerProcess[] = [];
const scratch = mkdtempSync(join(tmpdir(), "weft-cluster-bench-"));
const addWorker = async (prefix = "weft") => {
  const w = await startClusterWorker(redis.url, { threads: 1, modules, prefix });
  workers.push(w);
  return w;
};
const cluster: WeftOptions = { redis: redis.url };

try {
  log(`weft cluster bench: worker processes of one thread, ${repeat} timed runs each`);

  // Coarse: the primes workload on one worker process, then on two.
  const expectedPrimes = primes.sequential(coarseSize);
  await addWorker();
  const coarseOne = await withPool(cluster, (pool) =>
    timed(() => primes.parallel(pool, coarseSize), equals(expectedPrimes, "coarse on 1 worker")),
  );
  log(`coarse on 1 worker process: ${median(coarseOne).toFixed(0)} ms`);
  await addWorker();
  const coarseTwo = await withPool(cluster, (pool) =>
    timed(() => primes.parallel(pool, coarseSize), equals(expectedPrimes, "coarse on 2 workers")),
  );
  log(`coarse on 2 worker processes: ${median(coarseTwo).toFixed(0)} ms`);

  // Tiny items on the same two worker processes, against the plain loop in this process.
  const expectedTiny = tiny.sequential(tinySize);
  const tinyTimes = await withPool(cluster, (pool) => tinyAgainstLoop(pool, expectedTiny));
  log(
    `tiny items: plain loop ${median(tinyTimes.sequential).toFixed(0)} ms, 2 worker processes ${median(tinyTimes.cluster).toFixed(0)} ms, ` +
      `${median(tinyTimes.commandsPerChunk).toFixed(1)} Redis commands per chunk`,
  );

  // Fine: one map over a million numbers, on the cluster and on the threads backend (2 threads).
  const numbers = Array.from({ length: fineItems }, (_, i) => 1e9 + i);
  const expectedFine = numbers.map(isPrimeKernel);
  const fineJob = (pool: Pool) => pool.from(numbers).map(isPrime).collect();
  const fineCluster = await withPool(cluster, (pool) =>
    timed(() => fineJob(pool), equals(expectedFine, "fine on cluster")),
  );
  log(`fine on the cluster: ${median(fineCluster).toFixed(0)} ms`);
  const fineThreads = await withPool({ backend: "threads", workers: 2 }, (pool) =>
    timed(() => fineJob(pool), equals(expectedFine, "fine on threads")),
  );
  log(`fine on 2 threads: ${median(fineThreads).toFixed(0)} ms`);

  // The same coarse, tiny and fine jobs on four worker processes, each against the same baseline as on two.
  const extra = await Promise.all(Array.from({ length: manyWorkers - 2 }, () => addWorker()));
  const coarseMany = await withPool(cluster, (pool) =>
    timed(
      () => primes.parallel(pool, coarseSize),
      equals(expectedPrimes, `coarse on ${manyWorkers} workers`),
    ),
  );
  const tinyMany = await withPool(cluster, (pool) => tinyAgainstLoop(pool, expectedTiny));
  const fineMany = await withPool(cluster, (pool) =>
    timed(() => fineJob(pool), equals(expectedFine, `fine on ${manyWorkers} workers`)),
  );
  log(
    `${manyWorkers} worker processes: coarse ${median(coarseMany).toFixed(0)} ms, tiny ${median(tinyMany.cluster).toFixed(0)} ms ` +
      `(plain loop ${median(tinyMany.sequential).toFixed(0)} ms), fine ${median(fineMany).toFixed(0)} ms`,
  );
  // What follows measures two workers, and the recovery kills whichever of them takes its chunk.
  await Promise.all(extra.map((w) => w.stop()));

  // Plain BullMQ, one job per item, two worker processes of concurrency 1: a prefix of the same numbers.
  const bullmq = await bullmqRun(numbers.slice(0, bullmqItems));
  log(`plain BullMQ, one job per item: ${bullmq.itemsPerSecond.toFixed(0)} items/s`);

  // A chunk's trip through Redis: chunks of one no-op item, one in flight, then the default number.
  const tripJob = (pool: Pool) => pool.range(0, chunkTrips).map(noop).chunks({ maxChunk: 1 }).count();
  const tripsOne = await withPool({ ...cluster, workers: 1 }, (pool) =>
    timed(() => tripJob(pool), equals(chunkTrips, "trips")),
  );
  const tripsMany = await withPool(cluster, async (pool) => ({
    slots: pool.workers,
    samples: await timed(() => tripJob(pool), equals(chunkTrips, "trips")),
  }));
  log(`chunk round trip: ${(median(tripsOne) / chunkTrips).toFixed(2)} ms one at a time`);

  const recovery = await recoveryAfterKill(cluster, workers, addWorker);
  log(`recovery after SIGKILL: ${recovery.recoveryMs.toFixed(0)} ms`);

  const joining = await workerJoining();
  log(
    `a worker joining mid-job: serving ${median(joining.startupMs).toFixed(0)} ms after its spawn, first chunk ` +
      `${median(joining.readyToChunkMs).toFixed(0)} ms after; the job ${median(joining.joinedMs).toFixed(0)} ms ` +
      `(1 worker ${median(joining.oneWorkerMs).toFixed(0)} ms, 2 workers ${median(joining.twoWorkersMs).toFixed(0)} ms)`,
  );

  const failover = await measureFailovers();

  const onMany = {
    workers: manyWorkers,
    coarseMs: coarseMany,
    coarseSpeedup: median(coarseOne) / median(coarseMany),
    tinySequentialMs: tinyMany.sequential,
    tinyClusterMs: tinyMany.cluster,
    tinySpeedup: median(tinyMany.sequential) / median(tinyMany.cluster),
    tinyRedisCommandsPerChunk: tinyMany.commandsPerChunk,
    fineMs: fineMany,
    fineOverThreads: median(fineMany) / median(fineThreads),
  };
  const report: ClusterReport = {
    meta: { ...published, repeat },
    coarse: {
      size: coarseSize,
      oneWorkerMs: coarseOne,
      twoWorkersMs: coarseTwo,
      speedup: median(coarseOne) / median(coarseTwo),
      target: ">= 1.8",
    },
    tiny: {
      items: tinySize,
      sequentialMs: tinyTimes.sequential,
      clusterMs: tinyTimes.cluster,
      speedup: median(tinyTimes.sequential) / median(tinyTimes.cluster),
      target: ">= 1.5",
      redisCommandsPerChunk: tinyTimes.commandsPerChunk,
    },
    fine: {
      items: fineItems,
      clusterMs: fineCluster,
      threadsMs: fineThreads,
      clusterOverThreads: median(fineCluster) / median(fineThreads),
      target: "<= 1.5",
      weftItemsPerSecond: fineItems / (median(fineCluster) / 1000),
      bullmqItemsPerSecond: bullmq.itemsPerSecond,
      bullmqItems,
      weftOverBullmq: fineItems / (median(fineCluster) / 1000) / bullmq.itemsPerSecond,
      bullmqTarget: ">= 20",
    },
    chunkTrip: {
      chunks: chunkTrips,
      oneInFlightMsPerChunk: median(tripsOne) / chunkTrips,
      slots: tripsMany.slots,
      manyInFlightMsPerChunk: median(tripsMany.samples) / chunkTrips,
    },
    recovery,
    manyWorkers: onMany,
    join: joining,
    failover,
  };
  writeFileSync(resultsPath, `${JSON.stringify(report, null, 2)}\n`);
  const x = (n: number) => `${n.toFixed(2)}x`;
  const ms = (n: number) => `${Math.round(n).toLocaleString("en-US")} ms`;
  const { cores } = report.meta;
  // A share of no saving means nothing: other work on the cores is the likelier story.
  const joinerShare =
    median(joining.twoWorkersMs) < median(joining.oneWorkerMs)
      ? `the joiner won ${(100 * joining.shareOfGain).toFixed(0)}% of the time a second worker all along saves`
      : `a second worker all along saved no time (load average ${report.meta.loadAverage} at the start)`;
  const many = `${manyWorkers} workers x 1 thread${manyWorkers > cores ? ` (oversubscribed: ${cores} cores)` : ""}`;
  console.log(`
weft cluster bench ${report.meta.date}: ${report.meta.cores} cores, node ${report.meta.node}, medians of ${repeat} runs
  coarse, primes below ${coarseSize.toLocaleString("en-US")}: 1 worker ${ms(median(coarseOne))}, 2 workers ${ms(median(coarseTwo))}: speedup ${x(report.coarse.speedup)} (target >= 1.80x)
  tiny items, ${tinySize.toLocaleString("en-US")}: plain loop ${ms(median(tinyTimes.sequential))}, 2 workers ${ms(median(tinyTimes.cluster))}: speedup ${x(report.tiny.speedup)} (target >= 1.50x), ${median(tinyTimes.commandsPerChunk).toFixed(1)} Redis commands per chunk
  fine, isPrime on ${fineItems.toLocaleString("en-US")} numbers: cluster ${ms(median(fineCluster))}, threads ${ms(median(fineThreads))}: cluster/threads ${x(report.fine.clusterOverThreads)} (target <= 1.50x)
  fine, items/s: weft ${Math.round(report.fine.weftItemsPerSecond).toLocaleString("en-US")}, plain BullMQ (one job per item, ${bullmqItems.toLocaleString("en-US")} items) ${Math.round(bullmq.itemsPerSecond).toLocaleString("en-US")}: ${x(report.fine.weftOverBullmq)} (target >= 20x)
  coarse, ${many}: 1 worker ${ms(median(coarseOne))}, ${manyWorkers} workers ${ms(median(coarseMany))}: speedup ${x(onMany.coarseSpeedup)} (2 workers ${x(report.coarse.speedup)})
  tiny items, ${many}: plain loop ${ms(median(tinyMany.sequential))}, ${manyWorkers} workers ${ms(median(tinyMany.cluster))}: speedup ${x(onMany.tinySpeedup)} (2 workers ${x(report.tiny.speedup)}), ${median(tinyMany.commandsPerChunk).toFixed(1)} Redis commands per chunk
  fine, ${many}: cluster ${ms(median(fineMany))}, threads ${ms(median(fineThreads))}: cluster/threads ${x(onMany.fineOverThreads)} (2 workers ${x(report.fine.clusterOverThreads)})
  chunk trip through Redis: ${report.chunkTrip.oneInFlightMsPerChunk.toFixed(2)} ms one at a time, ${report.chunkTrip.manyInFlightMsPerChunk.toFixed(2)} ms per chunk with ${tripsMany.slots} in flight
  recovery after SIGKILL: the chunk finished ${ms(recovery.recoveryMs)} later than it would have
  a worker joining mid-job, spawned ${ms(joinAfterMs)} into a job on 1 worker (1 thread each): serving ${ms(median(joining.startupMs))} after its spawn, its first chunk ${ms(median(joining.readyToChunkMs))} after that (${ms(median(joining.firstChunkMs))} in all)
  the job, ${joinItems.toLocaleString("en-US")} items (${(median(joining.oneWorkerMs) / joinItems).toFixed(1)} ms each on 1 worker): 1 worker ${ms(median(joining.oneWorkerMs))}, joined ${ms(median(joining.joinedMs))}, 2 workers ${ms(median(joining.twoWorkersMs))}: ${joinerShare}
  ${failoverLine("Sentinel", failover.sentinel)}
  ${failoverLine("Redis Cluster", failover.cluster)}
saved ${resultsPath}`);
  if (args.publish) log(`published ${publish("cluster.json", report)}; now run npm run docs:results`);
} finally {
  await Promise.all(workers.map((w) => w.kill()));
  await redis.stop();
  rmSync(scratch, { recursive: true, force: true });
}

/** A failover's cost as the summary prints it. */
function failoverLine(under: string, cost: FailoverCost): string {
  const ms = (n: number) => `${Math.round(n).toLocaleString("en-US")} ms`;
  return (
    `the Redis primary SIGKILLed mid-job under ${under} (down after ${downAfterMs} ms, weft's defaults): the job took ` +
    `${ms(cost.costMs)} longer (${ms(median(cost.undisturbedMs))} undisturbed); the replica answered as primary ` +
    `${ms(median(cost.promotionMs))} after the kill, the next chunk finished ${ms(median(cost.stallMs))} after it`
  );
}

/**
 * The tiny items on `pool` against the plain loop in this process: each warm, one run of each in turn,
 * so both see the same machine. With them, every command Redis ran during each timed run, BullMQ's
 * scripts' own included, over the chunks the run sent.
 */
async function tinyAgainstLoop(pool: Pool, expected: number) {
  const times = { sequential: [] as number[], cluster: [] as number[], commandsPerChunk: [] as number[] };
  const check = equals(expected, `tiny on ${pool.workers} slots`);
  let chunks = 0;
  pool.events.on("chunk", () => chunks++);
  // One connection, opened before: a new one would add its own ready check (an INFO) to the count.
  const stats = new Redis(redis.url);
  try {
    check(tiny.sequential(tinySize));
    check(await tiny.parallel(pool, tinySize, {}));
    for (let i = 0; i < repeat; i++) {
      let t0 = performance.now();
      check(tiny.sequential(tinySize));
      times.sequential.push(performance.now() - t0);
      chunks = 0;
      const before = await redisCommands(stats);
      t0 = performance.now();
      check(await tiny.parallel(pool, tinySize, {}));
      times.cluster.push(performance.now() - t0);
      // Less the INFO that asked.
      times.commandsPerChunk.push(((await redisCommands(stats)) - before - 1) / chunks);
    }
  } finally {
    stats.disconnect();
  }
  return times;
}

/** Commands Redis has run since it started, from INFO commandstats (a script's own commands count each). */
async function redisCommands(client: Redis): Promise<number> {
  const stats = await client.info("commandstats");
  return [...stats.matchAll(/calls=(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
}

/** Plain BullMQ as its docs show: jobs added in bulk, two Worker processes; done when none is left waiting or active. */
async function bullmqRun(items: readonly number[]): Promise<{ itemsPerSecond: number; ms: number }> {
  const queueName = "bullmq-peer";
  const { hostname, port } = new URL(redis.url);
  const connection = { host: hostname, port: Number(port) };
  const script = fileURLToPath(new URL("./bullmq-peer-worker.ts", import.meta.url));
  const peers = await Promise.all(
    [0, 1].map(
      () =>
        new Promise<ReturnType<typeof spawn>>((resolve, reject) => {
          const child = spawn(process.execPath, ["--import", "tsx", script, redis.url, queueName], {
            stdio: ["ignore", "pipe", "inherit"],
          });
          child.stdout.once("data", () => resolve(child));
          child.once("exit", (code) => reject(new Error(`BullMQ worker exited with ${code}`)));
        }),
    ),
  );
  const queue = new Queue(queueName, { connection });
  try {
    const t0 = performance.now();
    await queue.addBulk(
      items.map((n) => ({ name: "isPrime", data: { n }, opts: { removeOnComplete: true } })),
    );
    // Done when no job is left to run. Counting "completed" events instead hung now and then: BullMQ
    // trims its event stream to 10,000 entries, and a reader that falls behind 20,000 jobs misses some.
    const deadline = t0 + 300_000;
    for (;;) {
      const counts = await queue.getJobCounts("waiting", "active", "prioritized", "delayed");
      if (Object.values(counts).every((n) => n === 0)) break;
      if (performance.now() > deadline)
        throw new Error(`plain BullMQ had jobs left after 300 s: ${JSON.stringify(counts)}`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const ms = performance.now() - t0;
    return { ms, itemsPerSecond: items.length / (ms / 1000) };
  } finally {
    await queue.obliterate({ force: true });
    await queue.close();
    for (const peer of peers) peer.kill("SIGTERM");
  }
}

/**
 * One chunk of about a second's work on a cluster (`on`) of two idle workers (`among`): undisturbed first,
 * then with the worker that took it killed as soon as it starts. The difference is what the kill
 * cost: seeing the worker gone (its connection closed), sending the chunk again, and the part of the work done twice. `replace` starts a worker in place of
 * the killed one.
 */
async function recoveryAfterKill(
  on: WeftOptions,
  among: ClusterWorkerProcess[],
  replace: () => Promise<ClusterWorkerProcess>,
): Promise<{ undisturbedMs: number; killedMs: number; recoveryMs: number }> {
  const rounds = spinRounds(1000);
  return withPool({ ...on, maxChunk: 1 }, async (pool) => {
    const run = (dir: string) => pool.from([{ dir, rounds }]).map(announceAndSpin).collect();
    const quiet = mkdtempSync(join(scratch, "quiet-"));
    await run(quiet); // warm-up: every worker loads the module
    let start = performance.now();
    await run(quiet);
    const undisturbedMs = performance.now() - start;

    const marked = mkdtempSync(join(scratch, "kill-"));
    const watcher = watch(marked);
    const killed = new Promise<number>((resolve) =>
      watcher.on("change", (_event, file) => {
        const pid = Number(readFileSync(join(marked, String(file)), "utf8"));
        const victim = among.find((w) => w.child.pid === pid);
        if (!victim) return;
        watcher.close();
        void victim.kill();
        resolve(performance.now());
      }),
    );
    start = performance.now();
    await run(marked);
    const killedMs = performance.now() - start;
    await killed;
    await replace(); // back to two for anything after
    return { undisturbedMs, killedMs, recoveryMs: killedMs - undisturbedMs };
  });
}

/**
 * A job of `joinItems` items on a cluster of its own (a prefix of its own) of one worker process, and a
 * second `weft worker` spawned `joinAfterMs` into it; against the same job on one worker all along and
 * on two, interleaved. The pool has no fixed slots, so it follows the threads in the workers'
 * heartbeats (slotsFor in redis-backend.ts), as it does on a cluster that grows while a job runs.
 */
async function workerJoining() {
  const prefix = "weft-join";
  await addWorker(prefix);
  const rounds = spinRounds(joinItemMs);
  const seeds = Array.from({ length: joinItems }, (_, seed) => seed);
  const check = equals(
    seeds.map((seed) => spin(seed, rounds)),
    "a worker joining mid-job",
  );
  // A directory per run, where each process notes when it ran its first item of that run.
  const items = (): Stamped[] => {
    const dir = mkdtempSync(join(scratch, "join-"));
    return seeds.map((seed) => ({ dir, seed, rounds }));
  };
  const run = (pool: Pool, input: Stamped[]) => pool.from(input).map(stampAndSpin).collect();

  const allAlong = async (pool: Pool, threads: number) => {
    await following(pool, threads);
    const input = items();
    const t0 = performance.now();
    const answer = await run(pool, input);
    const ms = performance.now() - t0;
    check(answer);
    return ms;
  };

  const joined = async (pool: Pool) => {
    await following(pool, 1);
    const input = items();
    const t0 = performance.now();
    const job = run(pool, input).then((answer) => ({ answer, ms: performance.now() - t0 }));
    const joining = (async () => {
      await sleep(joinAfterMs);
      const spawnedAt = Date.now();
      const joiner = await addWorker(prefix);
      return { joiner, spawnedAt, readyAt: Date.now() };
    })();
    // Both settle before either failure is thrown: a joiner still starting would outlive the finally block that ends the workers.
    const [ran, started] = await Promise.allSettled([job, joining]);
    if (ran.status === "rejected") throw ran.reason;
    if (started.status === "rejected") throw started.reason;
    const { answer, ms } = ran.value;
    const { joiner, spawnedAt, readyAt } = started.value;
    check(answer);
    const stamp = join(input[0]!.dir, `${joiner.child.pid}.first`);
    if (!existsSync(stamp)) {
      throw new Error(
        `the job ended ${Math.round(ms - joinAfterMs)} ms after the second worker was spawned, before it ran a chunk: ` +
          `lengthen it (joinItems)`,
      );
    }
    const firstAt = Number(readFileSync(stamp, "utf8"));
    return {
      joiner,
      ms,
      startupMs: readyAt - spawnedAt,
      readyToChunkMs: firstAt - readyAt,
      firstChunkMs: firstAt - spawnedAt,
    };
  };

  return withPool({ redis: { url: redis.url, prefix } }, async (pool) => {
    const times = {
      oneWorkerMs: [] as number[],
      joinedMs: [] as number[],
      twoWorkersMs: [] as number[],
      startupMs: [] as number[],
      readyToChunkMs: [] as number[],
      firstChunkMs: [] as number[],
    };
    // Only the resident worker and this process warm up: a worker that joins starts cold, every time.
    await allAlong(pool, 1);
    for (let i = 0; i < repeat; i++) {
      times.oneWorkerMs.push(await allAlong(pool, 1));
      const { joiner, ms, startupMs, readyToChunkMs, firstChunkMs } = await joined(pool);
      times.joinedMs.push(ms);
      times.startupMs.push(startupMs);
      times.readyToChunkMs.push(readyToChunkMs);
      times.firstChunkMs.push(firstChunkMs);
      times.twoWorkersMs.push(await allAlong(pool, 2));
      await joiner.stop();
    }
    const one = median(times.oneWorkerMs);
    return {
      items: joinItems,
      itemMs: joinItemMs,
      joinAfterMs,
      ...times,
      shareOfGain: (one - median(times.joinedMs)) / (one - median(times.twoWorkersMs)),
    };
  });
}

/** Waits for `pool` to keep the chunks in flight of a cluster of `threads` threads (slotsFor in redis-backend.ts), which it counts every second. */
async function following(pool: Pool, threads: number): Promise<void> {
  const slots = 2 * threads;
  const deadline = performance.now() + 10_000;
  while (pool.workers !== slots) {
    if (performance.now() > deadline) {
      throw new Error(
        `the pool keeps ${pool.workers} chunks in flight after 10 s, not the ${slots} of ${threads} threads`,
      );
    }
    await sleep(50);
  }
}

/**
 * Rounds of `spin` that take about `ms` on a free core of this machine: the fastest of three, so that
 * other work on the cores during one of them makes the work longer, not shorter.
 */
function spinRounds(ms: number): number {
  const rounds = 50_000_000;
  const samples = Array.from({ length: 3 }, () => {
    const t0 = performance.now();
    spin(0, rounds);
    return performance.now() - t0;
  });
  return Math.round(rounds * (ms / Math.min(...samples)));
}
