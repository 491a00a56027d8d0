// A cluster whose machines come and go while a job runs: the coordinator follows the workers'
// heartbeats, so the chunks it keeps in flight (pool.workers: two per thread) grow when a worker
// joins and shrink when one leaves, and a job started before any worker begins when the first joins.
// Each assertion waits on what the pool reports (its worker count, the slots its chunks ran in),
// never on how long something took.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { weft, type ChunkRecord } from "../../src/index.ts";
import { add, square } from "../fixtures/tasks.ts";
import { startCluster } from "../support/cluster.ts";
import { checkLeaks } from "../support/leaks.ts";
import { slowSquare } from "./fixtures/slow-tasks.ts";
import { pollUntil, sequentialSumOfSquares, workerSettings } from "./helpers.ts";

checkLeaks();

/** Resolves with the pool's worker count once it is `count`. */
const workersBecome = (pool: { readonly workers: number }, count: number, what: string) =>
  pollUntil(() => Promise.resolve(pool.workers === count ? count : undefined), 20_000, what);

describe("an elastic cluster", () => {
  test(
    "a worker that joins mid-job takes chunks of it; when it leaves mid-job its slots go, and the job ends exact",
    { timeout: 120_000 },
    async () => {
      await using cluster = await startCluster(1, workerSettings);
      await using pool = await weft({ redis: cluster.redis.url });
      assert.equal(pool.workers, 4, "two chunks in flight for each of the two threads there at the start");
      const chunks: ChunkRecord[] = [];
      pool.events.on("chunk", (record) => chunks.push(record));
      const n = 25_000;
      const sum = pool.range(0, n).map(slowSquare).reduce(add);
      const finished = sum.then(
        () => true,
        () => true,
      );
      await pollUntil(() => Promise.resolve(chunks[0]), 20_000, "the job's first chunk");
      const joined = await cluster.addWorker();
      await workersBecome(pool, 8, "two slots for each of the four threads");
      const grownAt = chunks.length;
      await pollUntil(
        () => Promise.resolve(chunks.slice(grownAt).some((c) => c.worker >= 4) || undefined),
        20_000,
        "a chunk of the running job in a slot added for the worker that joined",
      );

      // It leaves mid-job: it finishes what it runs, and its slots go while the job runs on.
      await joined.stop();
      await workersBecome(pool, 4, "the slots of the worker that left given back");
      assert.equal(await Promise.race([finished, Promise.resolve(false)]), false, "the job still runs");
      assert.equal(await sum, await sequentialSumOfSquares(n));
      const after = await pool.range(0, 500).map(square).reduce(add);
      assert.equal(after, await sequentialSumOfSquares(500));
      assert.equal(pool.activity().length, 4, "the dashboard's view lists the four slots left");
    },
  );

  test("a job started before any worker runs when the first one joins", { timeout: 60_000 }, async () => {
    await using cluster = await startCluster(0, workerSettings);
    await using pool = await weft({ redis: cluster.redis.url });
    assert.equal(pool.workers, 2, "two slots while no worker is there");
    const sum = pool.range(0, 2000).map(square).reduce(add);
    await cluster.addWorker();
    await workersBecome(pool, 4, "two slots for each thread of the worker that joined");
    assert.equal(await sum, await sequentialSumOfSquares(2000));
  });
});
