// Datasets in the layout Spark and Dask write: part files under Hive-style `key=value` folders, with
// `_SUCCESS`, `_committed_*`, `_temporary/` and `.crc` files beside them. The fixtures are laid out
// as Spark writes them (its file names, its markers, its checksums). readJson and readCsv read them
// whoever wrote them, add each folder's field to its records, and read only the partitions asked for;
// on threads exactly as on the sequential backend.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";
import { partitionField } from "../../src/jobs/file-plan.ts";
import { TaskError, weft, type Pool } from "../../src/index.ts";
import { checkLeaks } from "../support/leaks.ts";

checkLeaks();

const fixture = (name: string) => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));
const sales = fixture("spark-sales");

interface Sale {
  readonly item: string;
  readonly amount: number;
  readonly year: number;
  readonly region: string | null;
}

/** What the fixture holds, as Spark would read it back: in the order of its folders' and files' names. */
const allSales: Sale[] = [
  { item: "apple", amount: 3, year: 2023, region: "eu" },
  { item: "pear", amount: 5, year: 2023, region: "eu" },
  { item: "apple", amount: 7, year: 2023, region: "us" },
  { item: "fig", amount: 6, year: 2024, region: null },
  { item: "plum", amount: 2, year: 2024, region: "eu" },
  { item: "apple", amount: 4, year: 2024, region: "eu" },
  { item: "pear", amount: 1, year: 2024, region: "eu" },
];

async function onEachBackend(use: (pool: Pool) => Promise<void>): Promise<void> {
  for (const backend of ["sequential", "threads"] as const) {
    await using pool = await weft({ backend, workers: 2 });
    await use(pool);
  }
}

describe("datasets in Spark's and Dask's layout", () => {
  test("readJson reads the part files under key=value folders, with each folder's field in every record, and skips the markers", async () => {
    await onEachBackend(async (pool) => {
      assert.deepEqual(await pool.readJson<Sale>(sales).collect(), allSales, pool.backend);
    });
  });

  test("keepPartition reads only the partitions asked for, and never opens the others' files", async (t) => {
    const copy = mkdtempSync(join(tmpdir(), "weft-hive-"));
    t.after(() => rmSync(copy, { recursive: true, force: true }));
    cpSync(sales, copy, { recursive: true });
    // A file no reader could parse, in a partition the predicate leaves out.
    writeFileSync(join(copy, "year=2023", "region=us", "part-00009-broken.c000.json"), "{not json\n");
    await onEachBackend(async (pool) => {
      const year2024 = await pool
        .readJson<Sale>(copy, { keepPartition: ({ year }) => year === 2024 })
        .collect();
      assert.deepEqual(
        year2024,
        allSales.filter((s) => s.year === 2024),
      );
      const defaultRegion = await pool
        .readJson<Sale>(copy, { keepPartition: ({ region }) => region === null })
        .collect();
      assert.deepEqual(defaultRegion, [{ item: "fig", amount: 6, year: 2024, region: null }]);
      await assert.rejects(
        pool.readJson(copy).collect(),
        (error: Error) => error instanceof TaskError && /part-00009-broken\.c000\.json:1/.test(error.message),
        "unpruned, the broken file is read and fails naming its file and line",
      );
    });
  });

  test("readCsv takes the folders' fields the same way", async () => {
    await onEachBackend(async (pool) => {
      assert.deepEqual(await pool.readCsv(fixture("spark-sales-csv")).collect(), [
        { item: "apple", amount: "3", day: "2024-01-02" },
        { item: "pear", amount: "5", day: "2024-01-02" },
        { item: "plum", amount: "2", day: "2024-01-03" },
      ]);
    });
  });

  test("a value that is not an object, in a partition folder, fails naming its file and line and why", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "weft-hive-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    cpSync(join(sales, "year=2023"), join(dir, "year=2023"), { recursive: true });
    writeFileSync(join(dir, "year=2023", "part-00005.json"), '{"item":"kiwi","amount":1}\n42\n');
    await onEachBackend(async (pool) => {
      await assert.rejects(pool.readJson(dir).collect(), (error: Error) => {
        assert.ok(error instanceof TaskError, String(error));
        assert.match(error.message, /part-00005\.json:2/);
        assert.match(error.message, /must be a JSON object to take the folder's fields \(year\)/);
        return true;
      });
    });
  });

  test("a folder's value: a number if it reads back as written, null for Hive's default partition, else text", () => {
    assert.deepEqual(partitionField("year=2024"), { year: 2024 });
    assert.deepEqual(partitionField("rate=-0.25"), { rate: -0.25 });
    assert.deepEqual(partitionField("code=007"), { code: "007" }, "leading zeros stay text");
    assert.deepEqual(
      partitionField("id=9007199254740993"),
      { id: "9007199254740993" },
      "beyond 2^53 stays text",
    );
    assert.deepEqual(partitionField("day=2024-01-02"), { day: "2024-01-02" });
    assert.deepEqual(partitionField("path=a%2Fb%3Dc"), { path: "a/b=c" }, "Spark's escapes decoded");
    assert.deepEqual(partitionField("region=__HIVE_DEFAULT_PARTITION__"), { region: null });
    assert.equal(partitionField("no-equals"), undefined);
    assert.equal(partitionField("=nameless"), undefined);
  });
});
