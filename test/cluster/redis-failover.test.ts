// A Redis that fails over under a running job: the primary is SIGKILLed halfway through a job on two
// `weft worker`s, under Sentinel and under Redis Cluster, and the job ends with the sequential answer,
// every item counted once. Then the case a failover can lose acknowledged writes in (replication is
// asynchronous), forced: the replica is frozen for a while before the primary dies, so it is promoted
// without the writes of that while; the chunks whose sending or completion went with them run again,
// and the answer is still exact. And Sentinel's passwords: the primary's and the sentinels' own.
import assert from "node:assert/strict";
import { describe, test, type TestContext } from "node:test";
import { ClusterMonitor } from "../../src/backends/redis/cluster-status.ts";
import { WorkerError } from "../../src/errors.ts";
import { weft, type Pool } from "../../src/index.ts";
import { startServer } from "../../src/server/server.ts";
import { add, square } from "../fixtures/tasks.ts";
import { startClusterWorker, type ClusterWorkerProcess } from "../support/cluster.ts";
import { checkLeaks } from "../support/leaks.ts";
import { startRedisCluster, startSentinelSet } from "../support/redis-failover.ts";
import type { RedisServer } from "../support/redis-server.ts";
import { fixtureTasks } from "../server/http.ts";
import { slowSquare } from "./fixtures/slow-tasks.ts";
import { adminClient, pollUntil, sequentialSumOfSquares, within, workerSettings } from "./helpers.ts";

checkLeaks();

/** Σ i² over items of about 1 ms each, in chunks of at most 50: about 3 s on the workers' 4 threads. */
const items = 3000;
const maxChunk = 50;
/** Short, so a failover takes a second or two rather than Sentinel's default 30 s. */
const downAfterMs = 1000;

interface Readiness {
  readonly status: string;
  readonly problems?: string[];
}

interface FailoverRun {
  readonly answer: number;
  /** Items over every chunk record: `items` if none was counted twice. */
  readonly itemsCounted: number;
  /** From the kill to the first chunk that finished after the new primary took over, in ms. */
  readonly stallMs: number;
}

/**
 * Runs the job on two workers at `url`, and once half its items are done calls `fail`, which kills
 * the primary and resolves once its replica has been promoted.
 */
async function jobThroughFailover(
  t: TestContext,
  url: string,
  fail: () => Promise<void>,
  promoted: RedisServer,
): Promise<FailoverRun> {
  const workers: ClusterWorkerProcess[] = [];
  try {
    for (let i = 0; i < 2; i++) workers.push(await startClusterWorker(url, workerSettings));
    await using pool = await weft({ redis: url, maxChunk });
    let done = 0;
    let itemsCounted = 0;
    let killedAt: number | undefined;
    let failedOver: number | undefined;
    let firstAfter: number | undefined;
    let failing: Promise<void> | undefined;
    pool.events.on("chunk", (chunk) => {
      itemsCounted += chunk.items;
      if (failedOver !== undefined) firstAfter ??= Date.now();
    });
    pool.events.on("progress", (progress) => {
      done = progress.done;
      if (done < items / 2 || failing) return;
      killedAt = Date.now();
      failing = fail().then(() => void (failedOver = Date.now()));
    });
    const answer = await within(jobOn(pool), 60_000, "the job ending");
    await within(failing ?? Promise.resolve(), 30_000, "the failover");
    assert.ok(killedAt !== undefined, "the primary was killed mid-job");
    await everyoneOn(url, `127.0.0.1:${promoted.port}`, killedAt);
    const stallMs = (firstAfter ?? Date.now()) - killedAt;
    t.diagnostic(`first chunk done ${stallMs} ms after the primary was killed`);
    return { answer, itemsCounted, stallMs };
  } catch (error) {
    for (const worker of workers) t.diagnostic(`a worker's output:\n${worker.output().slice(-2000)}`);
    throw error;
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
  }
}

/** Waits until `weft cluster status` shows the coordinators (the pool, a service's) and both workers on `primary`, since after `killedAt`. */
async function everyoneOn(url: string, primary: string, killedAt: number): Promise<void> {
  const monitor = await ClusterMonitor.open(url);
  try {
    await pollUntil(
      async () => {
        const { workers, coordinators } = await monitor.read();
        const processes = [...workers, ...coordinators];
        const followed = processes.every(
          ({ redis }) => redis?.address === primary && Date.parse(redis.since) >= killedAt,
        );
        return workers.length === 2 && coordinators.length >= 1 && followed ? true : undefined;
      },
      15_000,
      `the pool and both workers reporting the new primary ${primary}`,
    );
  } finally {
    await monitor.close();
  }
}

function jobOn(pool: Pool): Promise<number> {
  return Promise.resolve(pool.range(0, items).map(slowSquare).reduce(add));
}

/**
 * SIGSTOPs the replica for `ms` (it receives nothing of that while), then kills the primary and wakes
 * the replica. Resolves with the bytes of writes the primary acknowledged meanwhile, which its
 * replica never got.
 */
async function loseWritesThenKill(primary: RedisServer, replica: RedisServer, ms: number): Promise<number> {
  await using admin = await adminClient(primary.url);
  const offset = async () => Number(/master_repl_offset:(\d+)/.exec(await admin.info("replication"))![1]);
  process.kill(replica.pid!, "SIGSTOP");
  try {
    const before = await offset();
    await new Promise((resolve) => setTimeout(resolve, ms));
    const lost = (await offset()) - before;
    await primary.kill();
    return lost;
  } finally {
    process.kill(replica.pid!, "SIGCONT");
  }
}

describe("a Redis that fails over under a running job", { timeout: 120_000 }, () => {
  test("Sentinel: the primary SIGKILLed mid-job; the replica is promoted and the answer is exact", async (t) => {
    const expected = await sequentialSumOfSquares(items);
    await using set = await startSentinelSet({ downAfterMs });
    const server = await startServer({ tasks: [fixtureTasks], port: 0, db: ":memory:", redis: set.url });
    try {
      const readiness = async () => (await fetch(`${server.url}/readyz`)).json() as Promise<Readiness>;
      let duringFailover: Readiness | undefined;
      const run = await jobThroughFailover(
        t,
        set.url,
        async () => {
          assert.equal((await readiness()).status, "ready", "ready before, the workers there");
          await set.primary.kill();
          duringFailover = await pollUntil(
            async () => {
              const ready = await readiness();
              return ready.status === "ready" ? undefined : ready;
            },
            10_000,
            "/readyz saying not ready",
          );
          await set.waitForPrimary(set.replica.port, 30_000);
          await pollUntil(
            async () => ((await readiness()).status === "ready" ? true : undefined),
            15_000,
            "/readyz ready again on the new primary",
          );
        },
        set.replica,
      );
      assert.equal(run.answer, expected, "the sequential answer");
      assert.equal(run.itemsCounted, items, "every item counted once");
      t.diagnostic(`/readyz during the failover: ${JSON.stringify(duringFailover)}`);
      assert.match(duringFailover!.problems!.join(), /Redis/, "/readyz names Redis while it fails over");
    } finally {
      await server.close();
    }
  });

  test("Sentinel: writes the primary acknowledged and never passed on are lost with it; the answer is still exact", async (t) => {
    const expected = await sequentialSumOfSquares(items);
    await using set = await startSentinelSet({ downAfterMs });
    let lostBytes = 0;
    const run = await jobThroughFailover(
      t,
      set.url,
      async () => {
        lostBytes = await loseWritesThenKill(set.primary, set.replica, 500);
        await set.waitForPrimary(set.replica.port, 30_000);
      },
      set.replica,
    );
    t.diagnostic(`the primary took ${lostBytes} bytes of writes its replica never got`);
    assert.ok(lostBytes > 0, "the primary acknowledged writes that were lost with it");
    assert.equal(run.answer, expected, "the sequential answer");
    assert.equal(run.itemsCounted, items, "every item counted once");
  });

  test("Redis Cluster: the primary holding weft's slot SIGKILLed mid-job; its replica takes over and the answer is exact", async (t) => {
    const expected = await sequentialSumOfSquares(items);
    await using cluster = await startRedisCluster({ downAfterMs });
    const owner = await cluster.slotOwner("weft");
    const run = await jobThroughFailover(
      t,
      cluster.url,
      async () => {
        await owner.primary.kill();
        await cluster.waitForOwner("weft", owner.replica, 30_000);
      },
      owner.replica,
    );
    assert.equal(run.answer, expected, "the sequential answer");
    assert.equal(run.itemsCounted, items, "every item counted once");
  });
});

test("Sentinel with passwords: the primary's in the URL, the sentinels' as sentinelPassword; a wrong one of either is refused saying which", async () => {
  await using set = await startSentinelSet(
    { downAfterMs },
    { primary: "p-pass-3c1", sentinels: "s-pass-8e2" },
  );
  const worker = await startClusterWorker(set.url, { ...workerSettings, urlInEnv: true });
  try {
    await using pool = await weft({ redis: set.url });
    const answer = Promise.resolve(pool.range(0, 100).map(square).reduce(add));
    assert.equal(await within(answer, 20_000, "the job"), await sequentialSumOfSquares(100));
  } finally {
    await worker.stop();
  }
  const refusedWith = async (url: string, message: RegExp) => {
    const error = await weft({ redis: url }).then(
      async (pool) => {
        await pool.close();
        return undefined;
      },
      (error: Error) => error,
    );
    assert.ok(error instanceof WorkerError, `${url}: refused`);
    assert.match(error.message, message);
    assert.doesNotMatch(error.message, /p-pass-3c1|s-pass-8e2|wrong-9/, "no password in the message");
  };
  await refusedWith(
    set.url.replace("s-pass-8e2", "wrong-9"),
    /the sentinels of .* refused the credentials .*give the sentinels' own password in the URL, redis\+sentinel:\/\/\.\.\.\?sentinelPassword=/,
  );
  await refusedWith(set.url.replace(/\?.*$/, ""), /the sentinels of .* refused the credentials .*NOAUTH/);
  await refusedWith(
    set.url.replace("p-pass-3c1", "wrong-9"),
    /^Redis at .* refused the credentials .*give the user and password in the URL/,
  );
});
