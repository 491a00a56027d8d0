// Conformance, transfer(): a marked buffer comes back whole on every backend; on threads it is moved
// (the worker's copy is emptied, nothing was cloned), elsewhere the worker keeps its own; a view over
// part of a buffer is copied everywhere.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { transfer, weft } from "../../src/index.ts";
import { filledMib, halfOfTwoMib, lastSentBytes } from "../fixtures/buffer-tasks.ts";
import { clusterBackend, localBackends } from "../support/backends.ts";
import { checkLeaks } from "../support/leaks.ts";

checkLeaks();
const mib = 1 << 20;
const isFilledMib = (buffer: Uint8Array, fill: number) =>
  buffer.byteLength === mib && buffer[0] === fill && buffer[mib - 1] === fill;

for (const { name, options } of [...localBackends, clusterBackend()]) {
  describe(`transfer() on ${name}`, () => {
    // One worker (one thread on the cluster's side is not promised: there the check is the values).
    const oneWorker = name === "redis" ? options : { ...options, workers: 1 };

    test("marked buffers come back whole; on threads the worker's copy was moved, not cloned", async () => {
      await using pool = await weft(oneWorker);
      const buffers = await pool.range(0, 12).map(filledMib).collect();
      buffers.forEach((buffer, fill) => assert.ok(isFilledMib(buffer, fill), `buffer ${fill}`));
      if (name === "redis") return;
      const left = await pool.submit(lastSentBytes, []);
      assert.equal(left, name === "threads" ? 0 : mib);
    });

    test("a view over part of a buffer is copied, and the worker keeps its buffer", async () => {
      await using pool = await weft(oneWorker);
      const [half] = await pool.from([9]).map(halfOfTwoMib).collect();
      assert.ok(isFilledMib(half!, 9));
      if (name !== "redis") assert.equal(await pool.submit(lastSentBytes, []), 2 * mib);
    });
  });
}

test("transfer() outside a worker marks nothing and returns its argument", () => {
  const buffer = new Uint8Array(16);
  assert.equal(transfer(buffer), buffer);
  assert.equal(buffer.byteLength, 16);
});
