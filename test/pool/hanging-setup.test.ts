// A perWorker setup that never settles cannot hang a job with a timeout: the chunk's deadline covers
// the setup, the chunk fails with a TimeoutError, its worker is replaced, and the pool goes on.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { TimeoutError, weft } from "../../src/index.ts";
import { readsHangingSetup } from "../fixtures/hanging-setup-tasks.ts";
import { checkLeaks } from "../support/leaks.ts";

checkLeaks();

for (const backend of ["threads", "processes"] as const) {
  describe(`a setup that never settles, on ${backend}`, () => {
    test("fails the job at its timeout instead of hanging it", async () => {
      await using pool = await weft({ backend, workers: 1, graceMs: 100 });
      await assert.rejects(
        pool.range(0, 3).map(readsHangingSetup).options({ timeout: 300 }).collect(),
        TimeoutError,
      );
    });
  });
}
