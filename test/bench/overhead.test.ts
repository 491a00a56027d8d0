// The per-item overhead of `npm run bench`: (weft − plain) / items from the medians, in nanoseconds, the
// range of the rounds' own differences, the 5 ns target; and the jobs' plain loops against their weft jobs.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { overheadJobNames, overheadJobs } from "../../bench/overhead/jobs.ts";
import { overheadRow, overheadTargetNs } from "../../bench/overhead/stats.ts";
import { weft } from "../../src/index.ts";
import { checkLeaks } from "../support/leaks.ts";

checkLeaks();

const samples = (plainMs: number[], weftMs: number[]) => ({
  job: "map" as const,
  code: "map",
  plainMs,
  weftMs,
});

describe("overheadRow", () => {
  test("is (median weft − median plain) / items, in ns per item", () => {
    // 1,000,000 items: 1 ms is 1 ns per item.
    const row = overheadRow(samples([30, 31, 29], [33, 36, 32]), 1_000_000);
    assert.equal(row.plainNsPerItem, 30);
    assert.equal(row.weftNsPerItem, 33);
    assert.equal(row.overheadNsPerItem, 3);
    assert.equal(row.pass, true);
  });

  test("gives the range of the rounds' own overheads, each round's weft against its own plain loop", () => {
    const row = overheadRow(samples([30, 40, 20], [31, 45, 26]), 1_000_000);
    assert.deepEqual([row.lowNsPerItem, row.highNsPerItem], [1, 6]);
    // Medians 30 and 31: round by round the overhead ranges wider than the medians say.
    assert.equal(row.overheadNsPerItem, 1);
  });

  test("takes the mean of the middle two for an even number of rounds", () => {
    const row = overheadRow(samples([10, 20], [14, 24]), 2_000_000);
    assert.equal(row.plainNsPerItem, 7.5);
    assert.equal(row.weftNsPerItem, 9.5);
    assert.equal(row.overheadNsPerItem, 2);
  });

  test("passes at the target and fails above it; a faster weft is a negative overhead", () => {
    assert.equal(overheadTargetNs, 5);
    assert.equal(overheadRow(samples([10], [15]), 1_000_000).pass, true);
    assert.equal(overheadRow(samples([10], [15.1]), 1_000_000).pass, false);
    const faster = overheadRow(samples([10], [9]), 1_000_000);
    assert.equal(faster.overheadNsPerItem, -1);
    assert.equal(faster.pass, true);
  });

  test("refuses unpaired or missing runs and no items", () => {
    assert.throws(() => overheadRow(samples([1, 2], [1]), 10), RangeError);
    assert.throws(() => overheadRow(samples([], []), 10), RangeError);
    assert.throws(() => overheadRow(samples([1], [1]), 0), RangeError);
  });
});

describe("the overhead jobs", () => {
  test("are map, filter, count, reduce and fold", () => {
    assert.deepEqual(
      overheadJobs.map((j) => j.name),
      [...overheadJobNames],
    );
  });

  test("each weft job gives its plain loop's answer, on one worker thread, and a wrong one is noticed", async () => {
    await using pool = await weft({ backend: "threads", workers: 1 });
    for (const job of overheadJobs) {
      for (const n of [0, 1, 1001]) {
        const expected = job.plain(n);
        assert.equal(job.mismatch(expected, await job.weft(pool, n)), undefined, `${job.name} on ${n}`);
      }
      const right = job.plain(1001);
      const wrong = Array.isArray(right) ? right.slice(1) : (right as number) + 1;
      assert.equal(typeof job.mismatch(right, wrong), "string", job.name);
    }
  });
});
