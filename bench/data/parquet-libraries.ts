// Chooses weft's Parquet library by measurement (issue 20, item 2): hyparquet (+ hyparquet-writer),
// parquet-wasm and @dsnp/parquetjs each write the same rows, then read a file DuckDB wrote, every
// column and then one, a row group at a time as weft's workers do. Each run is a process of its
// own, so its peak RSS is its own. The losers are not weft's dependencies: install them aside first,
//   npm install --prefix .scratch/parquet-libs parquet-wasm @dsnp/parquetjs apache-arrow
// Usage: node --import tsx bench/data/parquet-libraries.ts [--rows 8000000] [--write-rows 1000000]
//        [--libs .scratch/parquet-libs]
import { execFileSync } from "node:child_process";
import { mkdtempSync, openAsBlob, rmSync, statSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { parquetWriteFile } from "hyparquet-writer";

const libraries = ["hyparquet", "parquet-wasm", "@dsnp/parquetjs"] as const;
type Library = (typeof libraries)[number];
const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "8000000" },
    "write-rows": { type: "string", default: "1000000" },
    libs: { type: "string", default: ".scratch/parquet-libs" },
    child: { type: "string" },
    op: { type: "string" },
    file: { type: "string" },
  },
});
/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-explicit-any */
const aside = (name: string): any => createRequire(join(resolve(values.libs), "package.json"))(name);

/** The rows every library writes: an int64, two strings (one with few values), a double, a timestamp. */
function columns(rows: number) {
  const id = new BigInt64Array(rows);
  const name: string[] = [];
  const value = new Float64Array(rows);
  const category: string[] = [];
  const ts: Date[] = [];
  for (let i = 0; i < rows; i++) {
    id[i] = BigInt(i) * 1_000_003n;
    name.push(`name-${i % 100_000}`);
    value[i] = (i % 1000) / 7;
    category.push("abcd"[i % 4]!);
    ts.push(new Date(1_700_000_000_000 + i * 1000));
  }
  return { id, name, value, category, ts };
}

async function write(library: Library, file: string, rows: number): Promise<void> {
  const data = columns(rows);
  if (library === "hyparquet") {
    const types = {
      id: "INT64",
      name: "STRING",
      value: "DOUBLE",
      category: "STRING",
      ts: "TIMESTAMP",
    } as const;
    const columnData = Object.entries(data).map(([name, column]) => ({
      name,
      data: column,
      type: types[name as keyof typeof types],
    }));
    parquetWriteFile({ filename: file, columnData, rowGroupSize: 100_000 });
  } else if (library === "parquet-wasm") {
    const arrow = aside("apache-arrow");
    const wasm = aside("parquet-wasm");
    const table = arrow.tableFromArrays({ ...data, ts: Float64Array.from(data.ts, (d) => d.getTime()) });
    const props = new wasm.WriterPropertiesBuilder()
      .setCompression(wasm.Compression.SNAPPY)
      .setMaxRowGroupSize(100_000)
      .build();
    const ipc = arrow.tableToIPC(table, "stream");
    await writeFile(file, wasm.writeParquet(wasm.Table.fromIPCStream(ipc), props));
  } else {
    const { ParquetSchema, ParquetWriter } = aside("@dsnp/parquetjs");
    const schema = new ParquetSchema({
      id: { type: "INT64", compression: "SNAPPY" },
      name: { type: "UTF8", compression: "SNAPPY" },
      value: { type: "DOUBLE", compression: "SNAPPY" },
      category: { type: "UTF8", compression: "SNAPPY" },
      ts: { type: "TIMESTAMP_MILLIS", compression: "SNAPPY" },
    });
    const writer = await ParquetWriter.openFile(schema, file, { rowGroupSize: 100_000 });
    for (let i = 0; i < rows; i++) {
      await writer.appendRow({
        id: data.id[i],
        name: data.name[i],
        value: data.value[i],
        category: data.category[i],
        ts: data.ts[i],
      });
    }
    await writer.close();
  }
}

/** Reads `file` a row group at a time into records (only `only`, if given); returns rows and a checksum of `value`. */
async function read(library: Library, file: string, only: string | undefined) {
  let rows = 0;
  let sum = 0;
  const take = (record: Record<string, unknown>) => {
    rows++;
    sum += Number(record.value ?? 0);
  };
  const columns = only ? [only] : undefined;
  if (library === "hyparquet") {
    const buffer = await asyncBufferFromFile(file);
    const metadata = await parquetMetadataAsync(buffer);
    let rowStart = 0;
    for (const group of metadata.row_groups) {
      const rowEnd = rowStart + Number(group.num_rows);
      const records = await parquetReadObjects({
        file: buffer,
        metadata,
        columns,
        rowStart,
        rowEnd,
        compressors,
      });
      records.forEach(take);
      rowStart = rowEnd;
    }
  } else if (library === "parquet-wasm") {
    const arrow = aside("apache-arrow");
    const wasm = aside("parquet-wasm");
    const parquet = await wasm.ParquetFile.fromFile(await openAsBlob(file));
    const groups: number = parquet.metadata().numRowGroups();
    for (let g = 0; g < groups; g++) {
      const table = await parquet.read({ rowGroups: [g], columns });
      for (const row of arrow.tableFromIPC(table.intoIPCStream()).toArray()) take(row.toJSON());
    }
  } else {
    const { ParquetReader } = aside("@dsnp/parquetjs");
    const reader = await ParquetReader.openFile(file);
    const cursor = reader.getCursor(columns ? [columns] : undefined);
    for (let record = await cursor.next(); record; record = await cursor.next()) take(record);
    await reader.close();
  }
  return { rows, sum };
}

if (values.child) {
  const library = values.child as Library;
  const started = performance.now();
  const result =
    values.op === "write"
      ? (await write(library, values.file!, Number(values["write-rows"])), {})
      : await read(library, values.file!, values.op === "one" ? "value" : undefined);
  const seconds = (performance.now() - started) / 1000;
  const peakMB = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ ...result, seconds, peakMB }));
} else {
  const dir = mkdtempSync(join(tmpdir(), "weft-parquet-libs-"));
  try {
    const db = await DuckDBInstance.create(":memory:");
    const duck = await db.connect();
    const source = join(dir, "duckdb.parquet");
    await duck.run(
      `COPY (SELECT i::BIGINT AS id, 'name-' || (i % 100000) AS name, (i % 1000) / 7 AS value, ` +
        `['a','b','c','d'][i % 4 + 1] AS category, TIMESTAMP '2024-01-01' + to_seconds(i) AS ts, ` +
        `md5(i::VARCHAR) AS hash FROM range(${Number(values.rows)}) t(i)) ` +
        `TO '${source}' (FORMAT parquet, COMPRESSION snappy)`,
    );
    console.log(`DuckDB's file: ${values.rows} rows, ${(statSync(source).size / 2 ** 20).toFixed(0)} MB`);
    const run = (library: Library, op: string, file: string) => {
      const out = execFileSync(
        process.execPath,
        [
          "--import",
          "tsx",
          fileURLToPath(import.meta.url),
          ...process.argv.slice(2),
          "--child",
          library,
          "--op",
          op,
          "--file",
          file,
        ],
        { encoding: "utf8", maxBuffer: 1 << 20 },
      );
      return JSON.parse(out.trim().split("\n").at(-1)!) as { seconds: number; peakMB: number; rows?: number };
    };
    console.log(
      "library          | write s | write MB | file MB | read all s | peak MB | read one s | peak MB",
    );
    for (const library of libraries) {
      const written = join(dir, `${library.replace("/", "-")}.parquet`);
      const w = run(library, "write", written);
      const reader = await duck.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM '${written}'`);
      const writtenRows = reader.getRowObjectsJS()[0]!.n;
      const all = run(library, "all", source);
      const one = run(library, "one", source);
      if (
        all.rows !== Number(values.rows) ||
        one.rows !== all.rows ||
        writtenRows !== Number(values["write-rows"])
      )
        throw new Error(`${library} read or wrote the wrong number of rows`);
      const mb = (statSync(written).size / 2 ** 20).toFixed(1);
      const f = (n: number) => n.toFixed(1).padStart(7);
      console.log(
        `${library.padEnd(16)} | ${f(w.seconds)} | ${f(w.peakMB)}  | ${mb.padStart(7)} | ${f(all.seconds)}    | ${f(all.peakMB)} | ${f(one.seconds)}    | ${f(one.peakMB)}`,
      );
    }
    duck.closeSync();
    db.closeSync();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
