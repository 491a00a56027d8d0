// A cluster worker tears down the perWorker values its threads set up when it stops (SIGTERM), as a
// pool's workers do when the pool closes.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { weft } from "../../src/index.ts";
import { setUpWhere } from "../fixtures/setup-tasks.ts";
import { startCluster } from "../support/cluster.ts";
import { checkLeaks } from "../support/leaks.ts";

checkLeaks();

test("a cluster worker that stops tears down the values its threads set up", async () => {
  const dir = mkdtempSync(join(tmpdir(), "weft-teardowns-"));
  const cluster = await startCluster(1, { env: { WEFT_TEST_TEARDOWNS: dir } });
  try {
    const seen = new Set<string>();
    {
      await using pool = await weft({ redis: cluster.redis.url, maxChunk: 20 });
      for (const { where, setups } of await pool.range(0, 500).map(setUpWhere).collect()) {
        assert.equal(setups, 1);
        seen.add(where);
      }
    }
    assert.ok(seen.size > 0);
    await cluster.workers[0]!.stop();
    const tornDown = readFileSync(join(dir, "teardowns"), "utf8").split("\n");
    for (const where of seen) assert.ok(tornDown.includes(where), `no teardown in ${where}`);
  } finally {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
