// Conformance, priorities: free workers take higher-priority jobs and calls first, on every backend;
// a priority that is not an integer is refused before anything runs.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { OptionError, weft } from "../../src/index.ts";
import { add, busyFor } from "../fixtures/tasks.ts";
import { clusterBackend, localBackends } from "../support/backends.ts";
import { checkLeaks } from "../support/leaks.ts";

checkLeaks();

for (const { name, options } of [...localBackends, clusterBackend()]) {
  describe(`priorities on ${name}`, () => {
    test("a job of higher priority started after a long one finishes first, and both are whole", async () => {
      await using pool = await weft({ ...options, maxChunk: 4 });
      const finished: string[] = [];
      const low = pool
        .from(Array<number>(400).fill(2))
        .map(busyFor)
        .reduce(add, 0)
        .then((total) => (finished.push("low"), total));
      const high = pool
        .from(Array<number>(40).fill(2))
        .map(busyFor)
        .options({ priority: 1 })
        .reduce(add, 0)
        .then((total) => (finished.push("high"), total));
      assert.deepEqual(await Promise.all([low, high]), [800, 80]);
      assert.deepEqual(finished, ["high", "low"]);
    });

    test("a call of higher priority overtakes the calls queued before it", async () => {
      await using pool = await weft({ ...options, maxChunk: 1 });
      // Every worker loads the task first: one still loading it under a busy machine would hold
      // the high call while another runs dozens of low ones, which says nothing of the queue.
      await pool.broadcast(busyFor, [0]);
      const order: string[] = [];
      const lows = Array.from({ length: 60 }, (_, i) =>
        pool.submit(busyFor, [3]).then(() => order.push(`low ${i}`)),
      );
      const high = pool.submit(busyFor, [3], { priority: 5 }).then(() => order.push("high"));
      await Promise.all([...lows, high]);
      assert.ok(order.indexOf("high") < 30, `the high-priority call ended at ${order.indexOf("high")} of 61`);
    });

    test("a priority that is not an integer is refused, saying what is accepted", async () => {
      await using pool = await weft(options);
      assert.throws(() => pool.range(0, 10).options({ priority: 1.5 }), OptionError);
      assert.throws(
        () => pool.submit(busyFor, [1], { priority: "high" as never }),
        /priority must be an integer \(higher runs first, 0 by default\), got "high"/,
      );
    });
  });
}
