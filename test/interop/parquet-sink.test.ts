// Parquet that weft writes, read by DuckDB (an independent implementation): every file writeParquet
// writes, with each compression, in several row groups, partitioned or not, must read back in DuckDB
// as exactly the records written, int64 past 2^53, nulls, lists and structs included; and weft's own
// readParquet must read them back the same. On threads as on the sequential backend.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { asyncBufferFromFile, parquetMetadataAsync } from "hyparquet";
import { OptionError, TaskError, weft, type Pool } from "../../src/index.ts";
import { checkLeaks } from "../support/leaks.ts";

checkLeaks();

interface Sale {
  id: bigint;
  name: string | null;
  score: number;
  paid: boolean;
  at: Date;
  year: number;
  tags: (string | null)[] | null;
  info: { code: string; count: bigint; flags: boolean[] } | null;
}

const sales: Sale[] = Array.from({ length: 3000 }, (_, i) => ({
  id: 2n ** 53n + BigInt(i) * 1_000_003n,
  name: i % 7 === 0 ? null : `name-${i % 13}`,
  score: i / 8,
  paid: i % 3 === 0,
  at: new Date(Date.UTC(2024, 0, 1) + i * 60_123),
  year: 2023 + (i % 2),
  tags: i % 5 === 0 ? null : [`t${i % 4}`, null],
  info: i % 11 === 0 ? null : { code: `c${i % 3}`, count: BigInt(i) * 10n ** 12n, flags: [i % 2 === 0] },
}));

/** The nested columns' types: a part whose first rows have them null could not tell. */
const schema = { tags: ["string"], info: { code: "string", count: "int64", flags: ["boolean"] } } as const;

let dir: string;
let db: DuckDBInstance;
let duck: DuckDBConnection;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), "weft-parquet-sink-"));
  db = await DuckDBInstance.create(":memory:");
  duck = await db.connect();
});
after(() => {
  duck.closeSync();
  db.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

const query = async (sql: string) => (await duck.runAndReadAll(sql)).getRowObjectsJS();

async function onEachBackend(use: (pool: Pool) => Promise<void>): Promise<void> {
  for (const backend of ["sequential", "threads"] as const) {
    await using pool = await weft({ backend, workers: 2, maxChunk: 1000 });
    await use(pool);
  }
}

describe("writeParquet, read by DuckDB", () => {
  test("DuckDB reads what weft writes, with each compression, in several row groups, as the records written", async () => {
    for (const compression of ["snappy", "gzip", "zstd", "brotli", "none"] as const) {
      await onEachBackend(async (pool) => {
        const out = join(dir, `${compression}-${pool.backend}`);
        const summary = await pool
          .from(sales)
          .chunks({ minChunk: 600 })
          .writeParquet(out, { compression, rowGroupSize: 250, schema });
        assert.equal(summary.records, sales.length);
        const parts = readdirSync(out).filter((name) => name.endsWith(".parquet"));
        assert.ok(parts.length >= 2, `${parts.length} parts`);
        assert.ok(readdirSync(out).includes("_SUCCESS"));
        const codec = compression === "none" ? "UNCOMPRESSED" : compression.toUpperCase();
        let groups = 0;
        for (const part of parts) {
          const metadata = await parquetMetadataAsync(await asyncBufferFromFile(join(out, part)));
          groups = Math.max(groups, metadata.row_groups.length);
          assert.ok(metadata.row_groups.every((g) => g.columns.every((c) => c.meta_data!.codec === codec)));
        }
        assert.ok(groups >= 2, `at most ${groups} row groups in a part`);
        const read = await query(`SELECT * FROM read_parquet('${out}/*.parquet') ORDER BY id`);
        assert.deepEqual(read, sales, `${compression} on ${pool.backend}`);
        assert.deepEqual(await pool.readParquet(out).collect(), sales, "and readParquet reads them back");
      });
    }
  });

  test("partitionBy writes key=value folders DuckDB reads as Hive partitions", async () => {
    await onEachBackend(async (pool) => {
      const out = join(dir, `by-year-${pool.backend}`);
      await pool.from(sales).writeParquet(out, { partitionBy: ["year"], rowGroupSize: 1000, schema });
      assert.deepEqual(readdirSync(out).sort(), ["_SUCCESS", "year=2023", "year=2024"]);
      const read = await query(
        `SELECT * REPLACE (year::INTEGER AS year) FROM read_parquet('${out}/**/*.parquet', hive_partitioning = true) ORDER BY id`,
      );
      assert.deepEqual(read, sales);
    });
  });

  test("a record that does not fit its part's schema fails naming the field, and no part is left", async () => {
    // Chunks of 10 items or more: the records below share a part.
    await using pool = await weft({ backend: "threads", workers: 2, minChunk: 10 });
    const out = join(dir, "misfit");
    await assert.rejects(
      pool.from([{ n: 1 }, { n: "one" }]).writeParquet(out),
      (error: unknown) =>
        error instanceof TaskError && /field n is a string here and DOUBLE before/.test(error.message),
    );
    await assert.rejects(
      pool.from([{ n: 1 }, { n: new Map() }]).writeParquet(out),
      (error: unknown) =>
        error instanceof TaskError && /field n is a Map, which writeParquet cannot write/.test(error.message),
    );
    await assert.rejects(
      pool.from([1, 2]).writeParquet(out),
      (error: unknown) => error instanceof TaskError && /writeParquet writes objects/.test(error.message),
    );
    await assert.rejects(
      pool
        .from([{ tags: null }, ...Array.from({ length: 20 }, () => ({ tags: ["b"] }))])
        .chunks({ minChunk: 1, maxChunk: 1 })
        .writeParquet(out),
      (error: unknown) =>
        error instanceof Error &&
        /tags LIST<STRING>.*tags STRING|tags STRING.*tags LIST<STRING>/.test(error.message),
      "a column null in a part's first row group is text there, and parts that differ are refused",
    );
    await assert.rejects(pool.from(sales).writeParquet(out, { compression: "lz4" as "gzip" }), OptionError);
    await assert.rejects(
      pool.from(sales).writeParquet(out, { schema: { tags: "text" as "string" } }),
      OptionError,
    );
    await assert.rejects(pool.from(sales).writeParquet(out, { rowGroupSize: 0 }), OptionError);
    assert.deepEqual(readdirSync(out), []);
  });
});
