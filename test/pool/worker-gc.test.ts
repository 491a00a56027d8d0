// A memory budget sizes a process worker's young generation, and such a small young generation is
// collected on the worker's own thread; without a budget, V8 keeps its own sizes and helper threads.
import assert from "node:assert/strict";
import { test } from "node:test";
import { weft } from "../../src/index.ts";
import { gcFlags } from "../fixtures/gc-tasks.ts";
import { checkLeaks } from "../support/leaks.ts";

checkLeaks();

test("a process worker with a memory budget gets a small young generation, collected on its own thread", async () => {
  await using pool = await weft({ backend: "processes", workers: 1, memoryBudgetMb: 64 });
  assert.deepEqual(await pool.from([0]).map(gcFlags).collect(), [
    ["--max-semi-space-size=4", "--single-threaded-gc"],
  ]);
});

test("a process worker without a budget keeps V8's young generation and collector", async () => {
  await using pool = await weft({ backend: "processes", workers: 1 });
  assert.deepEqual(await pool.from([0]).map(gcFlags).collect(), [[]]);
});
