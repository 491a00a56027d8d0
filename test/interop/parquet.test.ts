// Parquet that DuckDB writes, read by weft: DuckDB (an independent, vectorised C++ implementation)
// writes the files at test time, in several row groups, with snappy, zstd and gzip, dictionary
// pages, nulls, lists and structs, int64 past 2^53, timestamps and decimals; readParquet must return
// exactly the rows DuckDB's own SELECT returns, on threads as on the sequential backend.
import assert from "node:assert/strict";
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { asyncBufferFromFile, parquetMetadataAsync } from "hyparquet";
import { parquetWriteBuffer } from "hyparquet-writer";
import { planRowGroups } from "../../src/jobs/parquet-plan.ts";
import { OptionError, TaskError, weft, type Pool } from "../../src/index.ts";
import { checkLeaks } from "../support/leaks.ts";

checkLeaks();

const rows = 10_000;
/** Every kind of value the type mapping covers; `i` is the row's place in the file. */
const table = `
  SELECT
    i::INTEGER AS i,
    i::BIGINT * 1000000007 + 9007199254740993 AS big,
    CASE WHEN i % 7 = 0 THEN NULL ELSE 'name-' || (i % 13) END AS name,
    i / 3 AS ratio,
    (((i * 12345) % 1000003 - 500000) / 1000)::DECIMAL(18,3) AS price,
    ((i - 5000)::DECIMAL(38,10) / 7)::DECIMAL(38,10) AS wide,
    TIMESTAMP '2024-01-01 00:00:00.123456' + to_microseconds(i::BIGINT * 1000003) AS stamp,
    DATE '2024-01-01' + (i % 365)::INTEGER AS day,
    CASE WHEN i % 5 = 0 THEN NULL ELSE [i, i + 1, NULL] END AS tags,
    {'code': 'c' || (i % 3), 'score': i / 2, 'flags': [i % 2 = 0]} AS info,
    [(i % 100)::DECIMAL(9,2) / 4, NULL]::DECIMAL(9,2)[] AS amounts,
    i % 2 = 0 AS even
  FROM range(${rows}) t(i)`;
/** DuckDB's reading of a file, with its decimals as text (its JS values make them doubles, which round). */
const duckRows = (file: string, columns = "*") =>
  `SELECT ${columns} REPLACE (price::VARCHAR AS price, wide::VARCHAR AS wide,
     list_transform(amounts, v -> v::VARCHAR) AS amounts)
   FROM read_parquet('${file}') ORDER BY i`;

let dir: string;
let db: DuckDBInstance;
let duck: DuckDBConnection;
const files: Record<"snappy" | "zstd" | "gzip", string> = { snappy: "", zstd: "", gzip: "" };

const query = async (sql: string) => (await duck.runAndReadAll(sql)).getRowObjectsJS();

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "weft-parquet-"));
  db = await DuckDBInstance.create(":memory:");
  duck = await db.connect();
  for (const codec of ["snappy", "zstd", "gzip"] as const) {
    files[codec] = join(dir, `${codec}.parquet`);
    await duck.run(
      `COPY (${table}) TO '${files[codec]}' (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE 2048)`,
    );
  }
});

after(() => {
  duck.closeSync();
  db.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

async function onEachBackend(use: (pool: Pool) => Promise<void>): Promise<void> {
  for (const backend of ["sequential", "threads"] as const) {
    await using pool = await weft({ backend, workers: 2 });
    await use(pool);
  }
}

describe("readParquet, against DuckDB", () => {
  test("returns DuckDB's rows for files in several row groups, snappy, zstd and gzip, with dictionary pages", async () => {
    for (const [codec, file] of Object.entries(files)) {
      const metadata = await parquetMetadataAsync(await asyncBufferFromFile(file));
      assert.ok(metadata.row_groups.length >= 4, `${codec}: ${metadata.row_groups.length} row groups`);
      const chunks = metadata.row_groups.flatMap((group) => group.columns.map((c) => c.meta_data!));
      assert.ok(chunks.every((chunk) => chunk.codec === codec.toUpperCase()));
      assert.ok(chunks.some((chunk) => chunk.encodings.some((e) => e.endsWith("_DICTIONARY"))));
      const expected = await query(duckRows(file));
      assert.equal(expected.length, rows);
      await onEachBackend(async (pool) => {
        assert.deepEqual(await pool.readParquet(file).collect(), expected, `${codec} on ${pool.backend}`);
      });
    }
  });

  test("flat columns alone, decoded page by page without nested assembly: DuckDB's rows, nulls included", async () => {
    const flat = ["i", "big", "name", "ratio", "price", "wide", "stamp", "day", "even"];
    for (const [codec, file] of Object.entries(files)) {
      const expected = await query(
        `SELECT * REPLACE (price::VARCHAR AS price, wide::VARCHAR AS wide)
         FROM (SELECT ${flat.join(", ")} FROM read_parquet('${file}')) ORDER BY i`,
      );
      assert.ok(expected.some((row) => row.name === null));
      await onEachBackend(async (pool) => {
        const read = await pool.readParquet(file, { columns: flat }).collect();
        assert.deepEqual(read, expected, `${codec} on ${pool.backend}`);
      });
    }
  });

  test("version 2 data pages, several to a row group, nulls in many: DuckDB's rows", async (t) => {
    const file = join(dir, "pages-v2.parquet");
    t.after(() => rmSync(file, { force: true }));
    const count = 60_000;
    const ids = Array.from({ length: count }, (_, i) => i);
    const scores = ids.map((i) => (i % 7 === 0 ? null : i / 8));
    const labels = ids.map((i) => (i % 11 === 0 ? null : `label-${i}-${(i * 2654435761) % 1000003}`));
    // hyparquet-writer writes version 2 data pages; small pages put several in each column chunk.
    const bytes = parquetWriteBuffer({
      columnData: [
        { name: "id", data: ids, type: "INT32" },
        { name: "score", data: scores, type: "DOUBLE" },
        { name: "label", data: labels, type: "STRING" },
      ],
      rowGroupSize: count,
      pageSize: 64 * 1024,
      codec: "SNAPPY",
    });
    writeFileSync(file, new Uint8Array(bytes));
    const metadata = await parquetMetadataAsync(await asyncBufferFromFile(file));
    for (const column of metadata.row_groups[0]!.columns) {
      const stats = column.meta_data!.encoding_stats!;
      assert.ok(stats.every((s) => s.page_type !== "DATA_PAGE"));
      const pages = stats.find((s) => s.page_type === "DATA_PAGE_V2")!.count;
      assert.ok(pages >= 3, `${pages} data pages in column ${column.meta_data!.path_in_schema[0]}`);
    }
    const expected = await query(`SELECT * FROM read_parquet('${file}') ORDER BY id`);
    assert.deepEqual(
      expected,
      ids.map((id) => ({ id, score: scores[id], label: labels[id] })),
      "DuckDB reads what was written",
    );
    await onEachBackend(async (pool) => {
      assert.deepEqual(await pool.readParquet(file).collect(), expected, pool.backend);
    });
  });

  test("a column null in every row, and required columns (no definition levels): DuckDB's rows", async (t) => {
    // DuckDB writes every column optional, in version 1 pages: here one has no value at all.
    const nulls = join(dir, "all-null.parquet");
    // hyparquet-writer writes a column given as not nullable as required.
    const required = join(dir, "required.parquet");
    t.after(() => [nulls, required].forEach((file) => rmSync(file, { force: true })));
    await duck.run(
      `COPY (SELECT i::INTEGER AS i, NULL::INTEGER AS none FROM range(5000) t(i))
       TO '${nulls}' (FORMAT parquet, ROW_GROUP_SIZE 2048)`,
    );
    const ids = Array.from({ length: 5000 }, (_, i) => i);
    const bytes = parquetWriteBuffer({
      columnData: [
        { name: "id", data: ids, type: "INT32", nullable: false },
        { name: "label", data: ids.map((i) => `s${i % 5}`), type: "STRING", nullable: false },
      ],
      rowGroupSize: 2048,
    });
    writeFileSync(required, new Uint8Array(bytes));
    const metadata = await parquetMetadataAsync(await asyncBufferFromFile(required));
    assert.ok(metadata.schema.slice(1).every((element) => element.repetition_type === "REQUIRED"));
    for (const [file, order] of [
      [nulls, "i"],
      [required, "id"],
    ] as const) {
      const expected = await query(`SELECT * FROM read_parquet('${file}') ORDER BY ${order}`);
      await onEachBackend(async (pool) => {
        assert.deepEqual(await pool.readParquet(file).collect(), expected, `${file} on ${pool.backend}`);
      });
    }
  });

  test("int64 past 2^53 is an exact bigint, decimals exact text, timestamps Dates or the stored bigint", async () => {
    await using pool = await weft({ backend: "threads", workers: 2 });
    const read = await pool.readParquet<Record<string, unknown>>(files.zstd).collect();
    const last = read.at(-1)!;
    assert.equal(last.big, BigInt(rows - 1) * 1000000007n + 9007199254740993n);
    assert.ok(typeof last.big === "bigint" && last.big > 2n ** 53n);
    assert.equal(read[0]!.wide, "-714.2857142857");
    assert.equal(read[1]!.price, "-487.655");
    assert.ok(read[0]!.stamp instanceof Date);
    const micros = await pool.readParquet<{ stamp: bigint }>(files.zstd, { timestamps: "bigint" }).collect();
    const expected = await query(`SELECT epoch_us(stamp) AS stamp FROM '${files.zstd}' ORDER BY i`);
    assert.deepEqual(
      micros.map((row) => row.stamp),
      expected.map((row) => row.stamp),
    );
  });

  test("columns reads only the columns asked for: another column's broken bytes do not matter", async (t) => {
    const columns = ["i", "big", "info", "tags"];
    const expected = await query(`SELECT ${columns.join(", ")} FROM '${files.snappy}' ORDER BY i`);
    const broken = join(dir, "broken-name.parquet");
    t.after(() => rmSync(broken, { force: true }));
    writeFileSync(broken, readFileSync(files.snappy));
    // Overwrite the data of column `name` in row group 1 with bytes no decoder accepts.
    const metadata = await parquetMetadataAsync(await asyncBufferFromFile(broken));
    const chunk = metadata.row_groups[1]!.columns.find(
      (c) => c.meta_data!.path_in_schema[0] === "name",
    )!.meta_data!;
    const from = Number(chunk.dictionary_page_offset ?? chunk.data_page_offset);
    const fd = openSync(broken, "r+");
    writeSync(
      fd,
      Buffer.alloc(Number(chunk.total_compressed_size), 0xff),
      0,
      Number(chunk.total_compressed_size),
      from,
    );
    closeSync(fd);
    const flat = ["i", "big", "ratio"];
    const expectedFlat = await query(`SELECT ${flat.join(", ")} FROM '${files.snappy}' ORDER BY i`);
    await onEachBackend(async (pool) => {
      assert.deepEqual(await pool.readParquet(broken, { columns }).collect(), expected, pool.backend);
      assert.deepEqual(
        await pool.readParquet(broken, { columns: flat }).collect(),
        expectedFlat,
        `flat columns only, on ${pool.backend}`,
      );
      await assert.rejects(
        pool.readParquet(broken).collect(),
        (error: Error) =>
          error instanceof TaskError &&
          error.message.includes(broken) &&
          error.message.includes("row group 1") &&
          error.task === "reading the file (readParquet)",
        "read whole, the broken row group fails naming its file and row group",
      );
    });
  });

  test("each row group is one unit of work, planned from the footers alone", async () => {
    const metadata = await parquetMetadataAsync(await asyncBufferFromFile(files.gzip));
    const ranges = await planRowGroups([files.gzip, files.zstd], { workers: 2 });
    const groups = metadata.row_groups.length;
    assert.deepEqual(
      ranges.map((r) => [r.path, r.rowGroup]),
      [files.gzip, files.zstd].flatMap((path) => Array.from({ length: groups }, (_, g) => [path, g])),
    );
    for (const range of ranges) assert.ok(range.start >= 4 && range.start < range.end);
  });

  test("a Hive-partitioned dataset: folders' fields in every row, keepPartition never opens the others' files", async (t) => {
    const dataset = join(dir, "sales");
    t.after(() => rmSync(dataset, { recursive: true, force: true }));
    await duck.run(
      `COPY (SELECT i, 'item-' || (i % 17) AS item, (i % 9)::BIGINT AS amount, 2023 + i % 2 AS year,
         CASE WHEN i % 3 = 0 THEN 'eu' ELSE 'us' END AS region FROM range(3000) t(i))
       TO '${dataset}' (FORMAT parquet, PARTITION_BY (year, region), ROW_GROUP_SIZE 2048)`,
    );
    writeFileSync(join(dataset, "_SUCCESS"), "");
    const order = "ORDER BY year, region, i";
    const expected = await query(
      `SELECT * REPLACE (year::INTEGER AS year) FROM read_parquet('${dataset}/**/*.parquet', hive_partitioning = true) ${order}`,
    );
    // A file no reader could parse, in a partition the predicate leaves out.
    mkdirSync(join(dataset, "year=2023", "region=us"), { recursive: true });
    writeFileSync(join(dataset, "year=2023", "region=us", "broken.parquet"), "not parquet");
    const sorted = (records: Record<string, unknown>[]) =>
      records.toSorted(
        (a, b) =>
          Number(a.year) - Number(b.year) ||
          String(a.region).localeCompare(String(b.region)) ||
          Number(a.i) - Number(b.i),
      );
    await onEachBackend(async (pool) => {
      const in2024 = await pool
        .readParquet<Record<string, unknown>>(dataset, { keepPartition: ({ year }) => year === 2024 })
        .collect();
      assert.deepEqual(
        sorted(in2024),
        expected.filter((row) => row.year === 2024),
        pool.backend,
      );
      const projected = await pool
        .readParquet<Record<string, unknown>>(dataset, {
          columns: ["amount", "region"],
          keepPartition: ({ year }) => year === 2024,
        })
        .collect();
      assert.deepEqual(
        projected.toSorted((a, b) => String(a.region).localeCompare(String(b.region))),
        expected.filter((row) => row.year === 2024).map(({ amount, region }) => ({ amount, region })),
      );
      await assert.rejects(
        pool.readParquet(dataset).collect(),
        (error: Error) => error instanceof OptionError && error.message.includes("broken.parquet"),
        "unpruned, the broken file fails naming it",
      );
    });
  });

  test("a file that is not Parquet, or a column it does not have, fails naming the file", async (t) => {
    const notParquet = join(dir, "notes.parquet");
    t.after(() => rmSync(notParquet, { force: true }));
    writeFileSync(notParquet, "these are notes, not a Parquet file");
    await using pool = await weft({ backend: "threads", workers: 2 });
    await assert.rejects(
      pool.readParquet(notParquet).collect(),
      (error: Error) => error instanceof OptionError && error.message.includes(notParquet),
    );
    await assert.rejects(
      pool.readParquet(files.snappy, { columns: ["i", "nope"] }).collect(),
      (error: Error) => error instanceof OptionError && /has no column nope/.test(error.message),
    );
    assert.throws(() => pool.readParquet(files.snappy, { timestamps: "iso" as "date" }), OptionError);
    await assert.rejects(
      pool
        .readParquet<{ i: number }>(files.snappy)
        .map((row) => {
          if (row.i === 4100) throw new Error("no row 4100 here");
          return row.i;
        })
        .count(),
      (error: Error) =>
        error instanceof TaskError &&
        error.file === files.snappy &&
        /row group 2, row 4100 of the file/.test(error.message),
      "a task that throws on a row names its file, row group and row",
    );
  });
});
