// Conformance, broadcast: a call run once on every worker, and first on every worker that replaces
// one; a failure names the worker; refused on a cluster.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { OptionError, PoisonTaskError, TaskError, weft } from "../../src/index.ts";
import { readLevel, refuseConfig, setLevel } from "../fixtures/broadcast-tasks.ts";
import { exitsOn } from "../fixtures/crash-tasks.ts";
import { clusterBackend, localBackends } from "../support/backends.ts";
import { checkLeaks } from "../support/leaks.ts";

checkLeaks();

for (const { name, options } of localBackends) {
  describe(`broadcast on ${name}`, () => {
    test("runs once on every worker, and every later job sees what it set", async () => {
      await using pool = await weft(options);
      const workers = await pool.broadcast(setLevel, ["debug"]);
      assert.equal(workers.length, pool.workers);
      assert.equal(new Set(workers).size, pool.workers, "one worker ran it twice");
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

const cluster = clusterBackend();
test("broadcast is refused on a cluster, saying what to use instead", async () => {
  await using pool = await weft(cluster.options);
  await assert.rejects(pool.broadcast(setLevel, ["debug"]), (error: unknown) => {
    assert.ok(error instanceof OptionError);
    assert.match(error.message, /not yet on a cluster: .*perWorker/);
    return true;
  });
});
