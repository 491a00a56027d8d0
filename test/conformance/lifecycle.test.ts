// Conformance, lifecycle: close ends everything, a failed job stops sending work, a closed pool says so.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { PoolClosedError, weft } from "../../src/index.ts";
import { liveThreadCount } from "../../src/backends/threads/threads-backend.ts";
import { add, failOn, isPrime, square, squareSlowAtZero } from "../fixtures/tasks.ts";
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

    test("leaving a stream early stops its job's chunks and keeps the pool usable", async () => {
      await using pool = await weft({ ...options, maxChunk: 5 });
      const chunksOf = new Map<number, number>();
      pool.events.on("chunk", ({ jobId }) => chunksOf.set(jobId, (chunksOf.get(jobId) ?? 0) + 1));
      let streamJob: number | undefined;
      pool.events.once("job", ({ jobId }) => (streamJob = jobId));
      const taken: number[] = [];
      for await (const n of pool.range(0, 1_000_000).map(square)) {
        taken.push(n);
        if (taken.length === 3) break;
      }
      assert.deepEqual(taken, [0, 1, 4]);
      assert.equal(await pool.range(0, 3).map(square).reduce(add), 5);
      // Every chunk of the stream's job has come back or been stopped once no worker runs anything.
      for (let turn = 0; pool.activity().some((job) => job !== undefined); turn++) {
        assert.ok(turn < 10_000, "the pool never went idle");
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      // Of 200,000 chunks, only those the stream held before it paused (four per worker) and those in
      // flight (two per worker) ran.
      const ran = chunksOf.get(streamJob!) ?? 0;
      assert.ok(ran <= 6 * pool.workers + 1, `${ran} chunks of the abandoned stream ran`);
    });

    test("a stream waits for its reader: the job pauses, memory stays bounded, nothing is lost", async () => {
      await using pool = await weft({ ...options, maxChunk: 5 });
      let chunks = 0;
      pool.events.on("chunk", () => chunks++);
      const stream = pool.range(0, 10_000).map(squareSlowAtZero)[Symbol.asyncIterator]();
      // The first item is the dear one: while it runs, the chunks after it may not pile up behind it.
      const first = await stream.next();
      assert.deepEqual(first, { done: false, value: 0 });
      const beforeFirst = chunks;
      // Then the reader stops reading until the pool has nothing left to run: the job is paused.
      for (let turn = 0; pool.activity().some((job) => job !== undefined); turn++) {
        assert.ok(turn < 10_000, "the pool never paused for the reader");
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      const whilePaused = chunks;
      // At most what a stream holds for its reader (four chunks per worker) and what was in flight
      // (two per worker) when it paused: of 2,000 chunks.
      for (const ran of [beforeFirst, whilePaused]) {
        assert.ok(ran <= 6 * pool.workers + 1, `${ran} chunks ran ahead of a reader that took one item`);
      }
      let count = 1;
      let sum = 0;
      for (let next = await stream.next(); !next.done; next = await stream.next()) {
        assert.equal(next.value, count * count, `item ${count}`);
        sum += next.value;
        count++;
      }
      assert.equal(count, 10_000);
      assert.equal(sum, 333_283_335_000);
    });
  });
}
