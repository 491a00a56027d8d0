// weft on a Redis Cluster with nothing failing: every path that runs multi-key commands or scripts
// (BullMQ's queue, withdrawals, broadcasts, an actor's inbox and answers, a resumable job's ledger,
// the heartbeats and their sets) works there, because every key of a prefix is in one hash slot; a
// command crossing slots would fail with CROSSSLOT. `weft cluster status` reads the cluster too.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import { weft } from "../../src/index.ts";
import { newCounter } from "../fixtures/actor-tasks.ts";
import { readLevel, setLevel } from "../fixtures/broadcast-tasks.ts";
import { add, square } from "../fixtures/tasks.ts";
import { startClusterWorker, type ClusterWorkerProcess } from "../support/cluster.ts";
import { checkLeaks } from "../support/leaks.ts";
import { startRedisCluster, type RedisClusterSet } from "../support/redis-failover.ts";
import { runWeft, sequentialSumOfSquares, workerSettings } from "./helpers.ts";

checkLeaks();

describe("weft on a Redis Cluster", { timeout: 120_000 }, () => {
  let cluster: RedisClusterSet;
  const workers: ClusterWorkerProcess[] = [];
  before(async () => {
    cluster = await startRedisCluster({ downAfterMs: 1000 });
    for (let i = 0; i < 2; i++) workers.push(await startClusterWorker(cluster.url, workerSettings));
  });
  after(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    await cluster?.[Symbol.asyncDispose]();
  });

  test("a job, a cancelled job, a broadcast and an actor, with every key of the prefix in one slot", async () => {
    await using pool = await weft({ redis: cluster.url, maxChunk: 50 });
    assert.equal(await pool.range(0, 2000).map(square).reduce(add), await sequentialSumOfSquares(2000));

    const cancelled = new AbortController();
    const job = pool.range(0, 1_000_000).map(square).options({ signal: cancelled.signal }).reduce(add);
    cancelled.abort(new Error("cancelled by the test"));
    await assert.rejects(Promise.resolve(job), /cancelled by the test/);

    assert.equal((await pool.broadcast(setLevel, ["debug"])).length, 4, "every thread of both workers");
    assert.deepEqual(new Set(await pool.range(0, 100).map(readLevel).collect()), new Set(["debug"]));

    await using counter = await pool.actor(newCounter, [10]);
    assert.equal(await counter.add(1), 11);
    assert.equal(await counter.add(2), 13);

    const all = (await Promise.all(cluster.nodes.map((node) => keysOn(node.port)))).flat();
    assert.ok(all.length > 0 && all.every((key) => key.startsWith("{weft}:")), all.join(", "));
  });

  test("a resumable job keeps its ledger in the prefix's slot and drops it once its result is delivered", async () => {
    await using pool = await weft({ redis: cluster.url, maxChunk: 100 });
    const answer = await pool.range(0, 3000).map(square).options({ resumable: "on-a-cluster" }).reduce(add);
    assert.equal(answer, await sequentialSumOfSquares(3000));
    const left = (await Promise.all(cluster.nodes.map((node) => keysOn(node.port)))).flat();
    assert.deepEqual(
      left.filter((key) => key.includes(":ledgers:")),
      [],
      "the ledger is gone",
    );
  });

  test("weft cluster status lists the workers and the primary holding the prefix's slot", async () => {
    const { primary } = await cluster.slotOwner("weft");
    const { code, stdout, stderr } = await runWeft(["cluster", "status", "--redis", cluster.url, "--json"]);
    assert.equal(code, 0, stderr);
    const status = JSON.parse(stdout) as {
      prefix: string;
      primary: { address: string };
      workers: { redis?: { address: string } }[];
    };
    assert.equal(status.prefix, "{weft}");
    assert.equal(status.primary.address, `127.0.0.1:${primary.port}`);
    assert.equal(status.workers.length, 2);
    for (const worker of status.workers) assert.equal(worker.redis?.address, `127.0.0.1:${primary.port}`);
  });
});

/** The keys a node holds (a replica, its primary's copies). */
async function keysOn(port: number): Promise<string[]> {
  const node = new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 0 });
  node.on("error", () => {});
  try {
    await node.connect();
    return await node.keys("*");
  } catch {
    return [];
  } finally {
    node.disconnect();
  }
}
