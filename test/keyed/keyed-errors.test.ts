// Keyed operations with partitions when things go wrong: a worker killed after it spilled (the chunk
// runs again, nothing is counted twice, nothing is left on disk), keys that cannot be compared across
// workers, bad options, a cancelled job, items set aside under `errors: "collect"` before the
// shuffle, and a cluster pool, which refuses them until it has a shared data path.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { AbortError, OptionError, TaskError, weft } from "../../src/index.ts";
import { resolveOptions } from "../../src/pool/options.ts";
import { Pool } from "../../src/pool/pool.ts";
import { add, keyExitingOnce, keyOf, nOf, numberOf, objectKey, type Row } from "../fixtures/keyed-tasks.ts";
import { FakeBackend } from "../support/fake-backend.ts";

const root = mkdtempSync(join(tmpdir(), "weft-keyed-errors-"));
after(() => rmSync(root, { recursive: true, force: true }));

const rows = (count: number): Row[] =>
  Array.from({ length: count }, (_, at) => ({ k: `k${at % 13}`, n: at % 7, at }));

function plainSums(input: readonly Row[]): Map<string, number> {
  const sums = new Map<string, number>();
  for (const r of input) sums.set(r.k, (sums.get(r.k) ?? 0) + r.n);
  return sums;
}

for (const backend of ["threads", "processes"] as const) {
  describe(`a worker killed during a shuffle, on ${backend}`, () => {
    it("its chunk runs again: the sums are exact and no file is left", async (t) => {
      const spill = mkdtempSync(join(root, "spill-"));
      const marker = join(root, `${backend}-marker`);
      const pool = await weft({ backend, workers: 2, memoryBudgetMb: 0.0002, spillDirectory: spill });
      t.after(() => pool.close());
      const input = rows(400).map((r) => (r.at === 150 ? { ...r, marker, spill } : r));
      const sums = await pool
        .from(input)
        .chunks({ minChunk: 100, maxChunk: 100 })
        .reduceByKey(keyExitingOnce, numberOf, add, { partitions: 3 })
        .collect();
      assert.ok(existsSync(marker), "the worker was killed");
      assert.match(readFileSync(marker, "utf8"), /\.bin/, "it had spilled records to disk before it died");
      assert.deepEqual(new Map(sums), plainSums(input));
      assert.deepEqual(readdirSync(spill), [], "the shuffle's directory is gone");
    });
  });
}

describe("keyed operations with partitions refuse what they cannot do", () => {
  it("an object key fails the job with a TaskError that says what to return instead", async (t) => {
    const spill = mkdtempSync(join(root, "spill-"));
    const pool = await weft({ backend: "threads", workers: 2, spillDirectory: spill });
    t.after(() => pool.close());
    await assert.rejects(
      pool.from(rows(20)).groupBy(objectKey, { partitions: 2 }).collect(),
      (error: unknown) => {
        assert.ok(error instanceof TaskError);
        assert.match(error.message, /objectKey/);
        assert.match(error.message, /compared by value across workers.*JSON\.stringify/s);
        return true;
      },
    );
    assert.deepEqual(readdirSync(spill), []);
  });

  it("sortBy refuses keys it cannot order, and keys of two kinds", async (t) => {
    const pool = await weft({ backend: "sequential" });
    t.after(() => pool.close());
    await assert.rejects(
      pool
        .from([1, 2])
        .sortBy(() => ({}))
        .collect(),
      /sortBy's key must be a number, a bigint or a string, got an object/,
    );
    await assert.rejects(
      pool
        .from([1, Number.NaN])
        .sortBy((n: number) => n)
        .collect(),
      /got NaN/,
    );
    await assert.rejects(
      pool
        .from([1, "a"])
        .sortBy((x: unknown) => x)
        .collect(),
      /must all be numbers \(or bigints\) or all strings/,
    );
    // In different chunks, the mix is found when the partitions are planned.
    await assert.rejects(
      pool
        .from([1, "a"])
        .chunks({ maxChunk: 1 })
        .sortBy((x: unknown) => x)
        .collect(),
      /some chunks gave number keys, others string keys/,
    );
  });

  it("bad options are refused when the operation is set up", async (t) => {
    const pool = await weft({ backend: "sequential" });
    t.after(() => pool.close());
    const input = pool.from(rows(3));
    assert.throws(() => input.groupBy(keyOf, { partitions: 0 }), OptionError);
    assert.throws(
      () => input.distinct(keyOf, { partitions: 1.5 }),
      /partitions must be a positive integer, got 1.5/,
    );
    assert.throws(() => input.sortBy(nOf, { partitions: 1_000_000 }), /at most 100000/);
    assert.throws(
      () => input.sortBy(nOf, { descending: "yes" as never }),
      /descending must be true or false/,
    );
    await assert.rejects(weft({ memoryBudgetMb: -1 }), /memoryBudgetMb must be a positive number/);
    const other = await weft({ backend: "sequential" });
    try {
      assert.throws(
        () => input.join(other.from(rows(3)), keyOf, keyOf),
        /join\(\) takes a collection of the same pool/,
      );
    } finally {
      await other.close();
    }
  });

  it("a cluster pool without a dataRoot refuses them, saying what to set", async () => {
    class ClusterLike extends FakeBackend {
      override readonly name = "redis" as never;
    }
    const pool = Pool.create(new ClusterLike(1, false), resolveOptions({ backend: "sequential" }));
    try {
      assert.throws(
        () => pool.from([1]).reduceByKey(String, () => 1, add, { partitions: 2 }),
        /reduceByKey\(\) with partitions needs files the cluster.s workers can see.*dataRoot.*--data-root/,
      );
      assert.throws(
        () => pool.from([1]).sortBy(String),
        /sortBy\(\) needs files the cluster.s workers can see.*dataRoot.*--data-root/,
      );
    } finally {
      await pool.close();
    }
  });
});

describe("a shuffle's job", () => {
  it("cancelled during its map side rejects with an AbortError, leaves nothing, and the pool goes on", async (t) => {
    const spill = mkdtempSync(join(root, "spill-"));
    const pool = await weft({ backend: "threads", workers: 2, spillDirectory: spill });
    t.after(() => pool.close());
    const controller = new AbortController();
    const slowKey = (r: { k: string }) => {
      const until = Date.now() + 2;
      while (Date.now() < until);
      return r.k;
    };
    const running = pool
      .from(rows(2000))
      .options({ signal: controller.signal })
      .groupBy(slowKey, { partitions: 2 })
      .count();
    setTimeout(() => controller.abort(), 100);
    await assert.rejects(running, AbortError);
    // The directory goes once the map side has settled; give a killed chunk's worker a moment.
    for (let i = 0; i < 50 && readdirSync(spill).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(readdirSync(spill), []);
    assert.equal(await pool.from(rows(10)).distinct(keyOf).count(), 10);
  });

  it("under errors: collect, items that failed before the shuffle are reported with the result", async (t) => {
    const pool = await weft({ backend: "threads", workers: 2 });
    t.after(() => pool.close());
    const failsOnSeven = (r: Row) => {
      if (r.at === 7) throw new Error("row seven");
      return r;
    };
    const { result, failures } = await pool
      .from(rows(30))
      .options({ errors: "collect" })
      .map(failsOnSeven)
      .reduceByKey(keyOf, numberOf, add, { partitions: 2 })
      .collect();
    assert.deepEqual(new Map(result), plainSums(rows(30).filter((r) => r.at !== 7)));
    assert.equal(failures.length, 1);
    assert.equal(failures[0]!.index, 7);
    assert.match(failures[0]!.error.message, /row seven/);
  });
});
