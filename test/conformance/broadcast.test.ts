// Conformance, broadcast: a call run once on every worker, and first on every worker that replaces
// one; a failure names the worker. On a cluster every thread of every worker is a worker, and one
// that joins runs it first (test/cluster/broadcast.test.ts).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { PoisonTaskError, TaskError, weft } from "../../src/index.ts";
import { readLevel, refuseConfig, setLevel } from "../fixtures/broadcast-tasks.ts";
import { exitsOn } from "../fixtures/crash-tasks.ts";
import { clusterBackend, localBackends } from "../support/backends.ts";
import { checkLeaks } from "../support/leaks.ts";

checkLeaks();

/** The cluster's: two `weft worker` processes of two threads each. */
const clusterThreads = 4;

for (const { name, options } of [...localBackends, clusterBackend()]) {
  describe(`broadcast on ${name}`, () => {
    test("runs once on every worker, and every later job sees what it set", async () => {
      await using pool = await weft(options);
      const workers = await pool.broadcast(setLevel, ["debug"]);
      assert.equal(workers.length, name === "redis" ? clusterThreads : pool.workers);
      assert.equal(new Set(workers).size, workers.length, "one worker ran it twice");
      const levels = await pool.range(0, 200).map(readLevel).collect();
      assert.ok(levels.every((l) => l === "debug"));
      await pool.broadcast(setLevel, ["info"]);
    });

    test("a failure rejects with a TaskError naming the worker; the pool goes on", async () => {
      await using pool = await weft(options);
      await assert.rejects(pool.broadcast(refuseConfig, ["prod"]), (error: unknown) => {
        assert.ok(error instanceof TaskError);
        assert.match(error.message, /broadcast to worker \d/);
        assert.match(error.message, /no config named prod/);
        return true;
      });
      assert.equal(await pool.range(0, 10).map(readLevel).count(), 10);
    });

    if (name === "threads" || name === "processes") {
      test("a worker that replaces a crashed one runs it before anything else", async () => {
        await using pool = await weft(options);
        const before = new Set(await pool.broadcast(setLevel, ["debug"]));
        await assert.rejects(pool.range(0, 10).map(exitsOn).collect(), PoisonTaskError);
        const levels = await pool.range(0, 200).map(readLevel).collect();
        assert.ok(
          levels.every((l) => l === "debug"),
          `levels after the crash: ${[...new Set(levels)].join(", ")}`,
        );
        const after = new Set(await pool.broadcast(setLevel, ["info"]));
        assert.ok(
          [...after].some((w) => !before.has(w)),
          "no worker was replaced",
        );
      });
    }
  });
}
