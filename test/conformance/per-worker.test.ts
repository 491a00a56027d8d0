// Conformance, perWorker values: set up once per worker before its first chunk, again in a worker
// that replaces a crashed one, torn down when the pool closes;
// a setup that throws fails the jobs that read the value with a SetupError, and nothing else.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { PoisonTaskError, SetupError, weft } from "../../src/index.ts";
import { exitsOn } from "../fixtures/crash-tasks.ts";
import { readsBrokenSetup, setUpWhere } from "../fixtures/setup-tasks.ts";
import { clusterBackend, localBackends } from "../support/backends.ts";
import { checkLeaks } from "../support/leaks.ts";

checkLeaks();
// Read by the fixture's teardown, in this process and in every worker started from here on.
const teardownDir = mkdtempSync(join(tmpdir(), "weft-teardowns-"));
process.env.WEFT_TEST_TEARDOWNS = teardownDir;
const teardowns = (): string[] => {
  try {
    return readFileSync(join(teardownDir, "teardowns"), "utf8").split("\n").filter(Boolean);
  } catch {
    return [];
  }
};
const brokenModule = new URL("../fixtures/setup-tasks.ts", import.meta.url).href;

after(() => rmSync(teardownDir, { recursive: true, force: true }));

for (const { name, options } of [...localBackends, clusterBackend()]) {
  describe(`perWorker values on ${name}`, () => {
    test("every task reads the value its worker set up, once per worker, and the answer is the sequential one", async () => {
      const seen = new Set<string>();
      {
        await using pool = await weft({ ...options, maxChunk: 50 });
        const out = await pool.range(0, 2_000).map(setUpWhere).collect();
        assert.deepEqual(
          out.map((o) => o.n),
          Array.from({ length: 2_000 }, (_, i) => i),
        );
        for (const { where, setups } of out) {
          assert.equal(setups, 1, `${where} set the value up ${setups} times`);
          seen.add(where);
        }
        assert.ok(seen.size <= pool.workers, `${seen.size} setups on ${pool.workers} workers`);
        // A second job finds the values set up.
        const again = await pool.range(0, 200).map(setUpWhere).collect();
        assert.ok(again.every((o) => o.setups === 1 && seen.has(o.where)));
      }
      // A cluster worker tears down when it stops (test/cluster/per-worker-teardown.test.ts).
      if (name === "redis") return;
      const tornDown = teardowns();
      for (const where of seen) assert.ok(tornDown.includes(where), `no teardown in ${where} at close`);
    });

    test("a setup that throws fails the job that reads it with a SetupError, without retries; the pool goes on", async () => {
      await using pool = await weft(options);
      let retries = 0;
      pool.events.on("retry", () => retries++);
      const isSetupError = (error: unknown) => {
        assert.ok(error instanceof SetupError, `a SetupError, got ${String(error)}`);
        assert.match(error.message, /no model at \/nowhere\/model\.bin/);
        assert.ok(error.message.includes(brokenModule), error.message);
        return true;
      };
      const job = pool.range(0, 100).map(readsBrokenSetup).options({ retries: 3 });
      await assert.rejects(job.collect(), isSetupError);
      await assert.rejects(job.options({ errors: "collect" }).collect(), isSetupError);
      await assert.rejects(pool.submit(readsBrokenSetup, [1], { retries: 3 }), isSetupError);
      assert.equal(retries, 0);
      assert.equal(await pool.range(0, 100).map(setUpWhere).count(), 100);
    });

    if (name === "threads" || name === "processes") {
      test("a worker that replaces a crashed one sets the value up again", async () => {
        await using pool = await weft(options);
        const before = new Set((await pool.range(0, 100).map(setUpWhere).collect()).map((o) => o.where));
        await assert.rejects(pool.range(0, 10).map(exitsOn).collect(), PoisonTaskError);
        const after = await pool.range(0, 100).map(setUpWhere).collect();
        assert.ok(
          after.some((o) => !before.has(o.where)),
          "the new workers ran the chunks",
        );
        assert.ok(after.every((o) => o.setups === 1));
      });
    }
  });
}
