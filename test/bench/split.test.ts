// The hand split of `npm run bench`: equal parts of an input, one per worker, and the answers put back
// together; then the split itself, on raw worker threads, against the sequential code.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { equalParts, equalRanges, joinFlags, joinRows, sum, sumUint32 } from "../../bench/split/combine.ts";
import { startSplitPool, SplitWorkerError } from "../../bench/split/split-pool.ts";
import { workloads } from "../../bench/workloads/all.ts";
import { checkLeaks } from "../support/leaks.ts";

checkLeaks();

describe("equalRanges", () => {
  test("cuts [from, to) into consecutive ranges that cover it, lengths differing by at most one", () => {
    for (const [from, to, parts] of [
      [0, 10, 2],
      [2, 2_000_000, 2],
      [0, 7, 3],
      [5, 6, 4],
      [0, 0, 2],
      [3, 1003, 64],
    ] as const) {
      const ranges = equalRanges(from, to, parts);
      assert.equal(ranges.length, parts);
      assert.equal(ranges[0]!.from, from);
      assert.equal(ranges.at(-1)!.to, to);
      for (let k = 1; k < parts; k++) assert.equal(ranges[k]!.from, ranges[k - 1]!.to);
      const lengths = ranges.map((r) => r.to - r.from);
      assert.ok(
        Math.max(...lengths) - Math.min(...lengths) <= 1,
        `${from}, ${to}, ${parts}: ${lengths.join(", ")}`,
      );
    }
    assert.deepEqual(equalRanges(0, 2000, 2), [
      { from: 0, to: 1000 },
      { from: 1000, to: 2000 },
    ]);
  });

  test("refuses a number of parts that is not a positive integer", () => {
    for (const parts of [0, -1, 1.5, Number.NaN]) assert.throws(() => equalRanges(0, 10, parts), RangeError);
  });
});

describe("equalParts", () => {
  test("gives the numbers as Int32Arrays, in order, split as equalRanges splits their indices", () => {
    const numbers = [1e9, 1e9 + 1, 1e9 + 2, -3, 0];
    const parts = equalParts(numbers, 2);
    assert.ok(parts.every((p) => p instanceof Int32Array));
    assert.deepEqual(
      parts.map((p) => [...p]),
      [
        [1e9, 1e9 + 1],
        [1e9 + 2, -3, 0],
      ],
    );
  });

  test("refuses a number an Int32Array would change", () => {
    for (const bad of [2 ** 31, 0.5, Number.NaN]) {
      assert.throws(() => equalParts([1, bad], 2), {
        name: "RangeError",
        message: /number 1, .* not a 32-bit/,
      });
    }
  });
});

describe("combining the workers' answers", () => {
  test("joinFlags: the parts' bytes, in order, as booleans", () => {
    assert.deepEqual(joinFlags([new Uint8Array([1, 0]), new Uint8Array([]), new Uint8Array([0, 1, 1])]), [
      true,
      false,
      false,
      true,
      true,
    ]);
  });

  test("joinRows: the parts' rows, in order, one Uint16Array per row", () => {
    const rows = joinRows([new Uint16Array([1, 2, 3, 4]), new Uint16Array([5, 6])], 2);
    assert.ok(rows.every((r) => r instanceof Uint16Array));
    assert.deepEqual(
      rows.map((r) => [...r]),
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
    );
    assert.throws(() => joinRows([new Uint16Array(3)], 2), RangeError);
  });

  test("sum and sumUint32 add the parts' sums, the second modulo 2^32", () => {
    assert.equal(sum([1, 2, 3]), 6);
    assert.equal(sum([]), 0);
    assert.equal(sumUint32([2 ** 32 - 1, 2]), 1);
  });
});

describe("the hand split on two raw worker threads", () => {
  test("gives every workload's sequential answer (quick sizes), and has nothing to split on submit", async () => {
    const pool = startSplitPool(2);
    try {
      for (const make of Object.values(workloads)) {
        const workload = make(true);
        if (workload.split === undefined) {
          assert.equal(workload.name, "submit");
          continue;
        }
        const answer = await workload.split(pool);
        const why = workload.mismatch(workload.sequential(), { answer, items: workload.items });
        assert.equal(why, undefined, `${workload.name}: ${why}`);
      }
    } finally {
      await pool.close();
    }
  });

  test("says which handler failed, and needs one part per worker", async () => {
    const pool = startSplitPool(2);
    try {
      await assert.rejects(pool.run("mandelbrotRows", [null as never, null as never]), {
        name: "SplitWorkerError",
        message: /the hand split's mandelbrotRows failed/,
      });
      await assert.rejects(pool.run("ping", [undefined]), {
        name: "RangeError",
        message: /1 parts for 2 workers/,
      });
      assert.deepEqual(await pool.run("ping", [undefined, undefined]), [0, 0]);
    } finally {
      await pool.close();
    }
    assert.ok(SplitWorkerError.prototype instanceof Error);
  });
});
