// perWorker() as a module sees it: what it refuses, and a value read where no worker set it up.
import assert from "node:assert/strict";
import { test } from "node:test";
import { perWorker, SetupError, weft } from "../../src/index.ts";

test("perWorker refuses a missing URL, setup or teardown, and says what to pass", () => {
  assert.throws(() => perWorker("tasks.ts", () => 1), /pass import\.meta\.url \(got "tasks\.ts"\)/);
  assert.throws(() => perWorker(import.meta.url, 1 as never), /expected a setup function, got number/);
  assert.throws(
    () => perWorker(import.meta.url, () => 1, { teardown: "close" as never }),
    /teardown must be a function, got string/,
  );
});

test("a value read outside a task is a SetupError that says where to read it", () => {
  const value = perWorker(import.meta.url, () => 1);
  assert.throws(
    () => value.value,
    (error: unknown) =>
      error instanceof SetupError && /not set up here: read \.value inside a task/.test(error.message),
  );
});

test("a teardown that throws is a process warning; the pool still closes", async () => {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  process.on("warning", onWarning);
  try {
    const { readsResource } = await import("../fixtures/teardown-tasks.ts");
    for (const backend of ["sequential", "threads"] as const) {
      const pool = await weft({ backend, workers: 1 });
      try {
        assert.deepEqual(await pool.from([1]).map(readsResource).collect(), [42]);
      } finally {
        await pool.close();
      }
    }
    // Warnings are emitted on the next tick; the thread's went to its own stderr.
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(
      warnings.some((w) =>
        /perWorker teardown of .*teardown-tasks\.ts failed: the disk is gone/.test(w.message),
      ),
      warnings.map((w) => w.message).join("; "),
    );
  } finally {
    process.off("warning", onWarning);
  }
});
