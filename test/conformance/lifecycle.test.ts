// Conformance, lifecycle: close ends everything, a failed job stops sending work, a closed pool says so.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { PoolClosedError, weft } from "../../src/index.ts";
import { liveThreadCount } from "../../src/backends/threads/threads-backend.ts";
import { add, failOn, isPrime, square } from "../fixtures/tasks.ts";
import { clusterBackend, localBackends } from "../support/backends.ts";
import { checkLeaks } from "../support/leaks.ts";

checkLeaks();

for (const { name, options } of [...localBackends, clusterBackend()]) {
  describe(`lifecycle on ${name}`, () => {
    test("await using closes the pool and every worker", async () => {
      {
        await using pool = await weft(options);
        assert.equal(pool.backend, name);
        assert.equal(await pool.range(0, 100).map(square).count(), 100);
        if (name === "threads") assert.equal(liveThreadCount(), pool.workers);
      }
      assert.equal(liveThreadCount(), 0);
    });

    test("close rejects running jobs and futures, and is safe to repeat", async (t) => {
      const pool = await weft(options);
      t.after(() => pool.close()); // in case the test fails before it closes the pool itself
      const job = assert.rejects(pool.range(2, 5_000_000).filter(isPrime).count(), PoolClosedError);
      const future = assert.rejects(pool.submit(add, [1, 2]), PoolClosedError);
      await pool.close();
      await Promise.all([job, future]);
      await pool.close();
      assert.throws(() => pool.range(0, 1), /the pool is closed: create a new one/);
      await assert.rejects(pool.submit(add, [1, 2]), PoolClosedError);
    });

    test("a failed job stops sending its chunks", async () => {
      await using pool = await weft({ ...options, maxChunk: 10 });
      let chunks = 0;
      pool.events.on("chunk", () => chunks++);
      await assert.rejects(pool.range(0, 100_000).map(failOn).collect(), { index: 13 });
      // Other workers may finish what they held when the failure arrived (two chunks each at most),
      // but nothing more is sent. The job event comes after the last chunk was dispatched.
      const atFailure = chunks;
      for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
      assert.ok(chunks - atFailure <= 2 * pool.workers, `${chunks - atFailure} chunks ran after the failure`);
      assert.ok(chunks < 10_000, "the job ran to the end despite its failure");
    });

    test("concurrent jobs on one pool do not mix their results", async () => {
      await using pool = await weft(options);
      const [a, b, c] = await Promise.all([
        pool.range(0, 20_000).map(square).reduce(add),
        pool.range(0, 20_000).filter(isPrime).count(),
        pool.from(["x", "y"]).collect(),
      ]);
      assert.equal(a, 2666466670000);
      assert.equal(b, 2262);
      assert.deepEqual(c, ["x", "y"]);
    });

    test("leaving a stream early cancels its job and keeps the pool usable", async () => {
      await using pool = await weft({ ...options, maxChunk: 5 });
      let taken = 0;
      for await (const n of pool.range(0, 1_000_000).map(square)) {
        taken += n >= 0 ? 1 : 0;
        if (taken === 3) break;
      }
      assert.equal(await pool.range(0, 3).map(square).reduce(add), 5);
    });
  });
}
