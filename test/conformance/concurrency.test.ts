// Conformance, concurrency inside a worker: async items of a chunk overlap their waits, up to the
// job's or the task's `concurrency`, and the answer is still the sequential one, in input order;
// a failing item is reported as itself; a bad setting is refused.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AbortError, OptionError, task, TaskError, weft } from "../../src/index.ts";
import { doubleLater, doubleLaterConcurrently, doubleLaterFailsOn13 } from "../fixtures/async-tasks.ts";
import { clusterBackend, localBackends } from "../support/backends.ts";
import { checkLeaks } from "../support/leaks.ts";

checkLeaks();

const doubles = (count: number) => Array.from({ length: count }, (_, i) => 2 * i);
const most = (out: readonly { alongside: number }[]) => Math.max(...out.map((o) => o.alongside));

for (const { name, options } of [...localBackends, clusterBackend()]) {
  describe(`concurrency inside a worker on ${name}`, () => {
    test("a job's concurrency overlaps the items of a chunk, up to that many, in input order", async () => {
      await using pool = await weft(options);
      const out = await pool.range(0, 300).map(doubleLater).options({ concurrency: 10 }).collect();
      assert.deepEqual(
        out.map((o) => o.value),
        doubles(300),
      );
      assert.ok(most(out) > 1, "no two items of a chunk ran at once");
      // On sequential, the calling thread may run two chunks at once, each up to 10.
      assert.ok(most(out) <= (name === "sequential" ? 20 : 10), `${most(out)} items at once`);
    });

    test("a task's own concurrency applies to jobs and calls, and a job's setting wins", async () => {
      await using pool = await weft(options);
      const out = await pool.range(0, 300).map(doubleLaterConcurrently).collect();
      assert.deepEqual(
        out.map((o) => o.value),
        doubles(300),
      );
      assert.ok(most(out) > 1);
      const calls = await Promise.all(
        Array.from({ length: 100 }, (_, i) => pool.submit(doubleLaterConcurrently, [i])),
      );
      assert.deepEqual(
        calls.map((o) => o.value),
        doubles(100),
      );
      assert.ok(most(calls) > 1, "no two calls ran at once");
      if (name !== "sequential") {
        const one = await pool
          .range(0, 100)
          .map(doubleLaterConcurrently)
          .options({ concurrency: 1 })
          .collect();
        assert.equal(most(one), 1);
      }
    });

    test("an item that throws fails the job as itself, or is set aside under collect", async () => {
      await using pool = await weft(options);
      const job = pool.range(0, 100).map(doubleLaterFailsOn13).options({ concurrency: 8 });
      await assert.rejects(job.collect(), (error: unknown) => {
        assert.ok(error instanceof TaskError);
        assert.equal(error.index, 13);
        assert.match(error.message, /unlucky 13/);
        return true;
      });
      const settled = await job.options({ errors: "collect" }).collect();
      assert.deepEqual(
        settled.result.map((o) => o.value),
        doubles(100).filter((_, i) => i !== 13),
      );
      assert.deepEqual(
        settled.failures.map((f) => f.index),
        [13],
      );
    });

    test("a job cancelled while items of its chunks run at once rejects at once; the pool goes on", async () => {
      await using pool = await weft(options);
      const job = pool
        .range(0, 5_000)
        .map(doubleLater)
        .options({ concurrency: 4, signal: AbortSignal.timeout(100) })
        .collect();
      await assert.rejects(job, AbortError);
      const out = await pool.range(0, 50).map(doubleLater).options({ concurrency: 4 }).collect();
      assert.deepEqual(
        out.map((o) => o.value),
        doubles(50),
      );
    });

    test("a concurrency that is not a whole number from 1 to 10,000 is refused, saying so", async () => {
      await using pool = await weft(options);
      for (const bad of [0, 1.5, 10_001, "8"]) {
        assert.throws(
          () => pool.range(0, 10).options({ concurrency: bad as number }),
          (error: unknown) =>
            error instanceof OptionError &&
            /concurrency must be a whole number from 1 to 10000/.test(error.message),
        );
      }
      assert.throws(() => task(import.meta.url, () => 1, { concurrency: 0 }), OptionError);
    });
  });
}
