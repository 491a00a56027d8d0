// Parquet at scale (issue 20, item 5): one aggregation over a Parquet dataset of at least 1 GB, by
// weft on 1 and 2 workers and by DuckDB (2 threads) on the same files: the count and the sum of
// `value` for each `category`, reading those two columns. DuckDB is a vectorised C++ engine: it is
// the limit to measure against, and the ratio is reported as it is. Each contender runs in a process
// of its own (its peak RSS is its own), in turns, after one warm-up round each; the answers must agree
// exactly (the values are multiples of 1/8, so a sum is exact in any order).
// The dataset (8 files, DuckDB's default row groups, snappy) is generated once into --dir and kept.
// Prints a table, saves bench/results/parquet.json, and with --publish docs/results/parquet.json.
// Usage: npm run bench:data -- --parquet [--gb 1] [--repeat 3] [--dir .scratch/parquet-data] [--publish]
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { DuckDBInstance, version as duckdbVersion } from "@duckdb/node-api";
import { parquetMetadataAsync, asyncBufferFromFile } from "hyparquet";
import { commandLine, publishedMeta, resultsDirectory } from "../../src/scaling/publish.ts";
import { parquetContenders, type ParquetContender, type ParquetReport } from "./parquet-report.ts";
import { datasetFiles, writeQueryDataset, type CategoryTotals } from "./query-dataset.ts";
import {
  perRound,
  printTimes,
  runRounds,
  saveReport,
  scriptContender,
  summarize,
  type QuerySample,
} from "./rounds.ts";

const { values: args } = parseArgs({
  options: {
    gb: { type: "string", default: "1" },
    repeat: { type: "string", default: "3" },
    dir: { type: "string", default: ".scratch/parquet-data" },
    contender: { type: "string" },
    publish: { type: "boolean", default: false },
  },
});
/** Bytes a row of the generated table takes in Parquet (snappy), measured: a 5,000,000-row file is 228 MB. */
const bytesPerRow = 45.6;
interface Sample extends QuerySample {
  readonly answer: CategoryTotals;
}

const query = `SELECT category, count(*)::BIGINT AS n, sum(value) AS total FROM read_parquet('DIR/*.parquet') GROUP BY category`;

async function duckdb(dir: string): Promise<CategoryTotals> {
  const db = await DuckDBInstance.create(":memory:", { threads: "2" });
  const duck = await db.connect();
  try {
    const rows = (await duck.runAndReadAll(query.replace("DIR", dir))).getRowObjectsJS();
    return Object.fromEntries(
      rows.map((row) => [row.category as string, { count: Number(row.n), sum: Number(row.total) }]),
    );
  } finally {
    duck.closeSync();
    db.closeSync();
  }
}

async function weftQuery(
  weft: typeof import("../../src/index.ts").weft,
  dir: string,
  workers: number,
): Promise<CategoryTotals> {
  await using pool = await weft({ backend: "threads", workers });
  const sums = await pool
    .readParquet<{ category: string; value: number }>(dir, { columns: ["category", "value"] })
    .reduceByKey(
      (row) => row.category,
      (row) => [1, row.value] as [number, number],
      (a, b) => [a[0] + b[0], a[1] + b[1]] as [number, number],
    );
  return Object.fromEntries([...sums].map(([category, [count, sum]]) => [category, { count, sum }]));
}

if (args.contender) {
  const dir = resolve(args.dir);
  // Loaded before the clock starts: compiling weft's TypeScript sources is this checkout's cost, not
  // the query's (an installed weft is JavaScript).
  const { weft } = await import("../../src/index.ts");
  const started = performance.now();
  const answer =
    args.contender === "duckdb"
      ? await duckdb(dir)
      : await weftQuery(weft, dir, Number(args.contender.slice(5)));
  const seconds = (performance.now() - started) / 1000;
  // The workers are threads of this process: its peak RSS holds theirs.
  console.log(JSON.stringify({ seconds, peakMb: process.resourceUsage().maxRSS / 1024, answer }));
} else {
  const dir = resolve(args.dir);
  const rows = Math.ceil((Number(args.gb) * 1e9) / bytesPerRow);
  const paths = await writeQueryDataset(dir, "parquet", rows, datasetFiles);
  const bytes = paths.reduce((sum, path) => sum + statSync(path).size, 0);
  let rowCount = 0;
  let rowGroups = 0;
  for (const path of paths) {
    const metadata = await parquetMetadataAsync(await asyncBufferFromFile(path));
    rowCount += Number(metadata.num_rows);
    rowGroups += metadata.row_groups.length;
  }
  console.log(
    `${datasetFiles} Parquet files, ${(bytes / 1e9).toFixed(2)} GB, ${rowCount} rows in ${rowGroups} row groups, in ${dir}`,
  );
  if (args.publish) resultsDirectory(); // fails now, not after the run, when there is nowhere to publish
  const meta = publishedMeta(
    commandLine("npm run bench:data", ["--parquet", ...process.argv.slice(2)]),
    false,
  );
  const repeat = Number(args.repeat);
  const samples = runRounds<ParquetContender, Sample>(
    parquetContenders,
    (contender) => scriptContender(import.meta.url, dir, contender),
    repeat,
  );
  const report: ParquetReport = {
    meta: {
      ...meta,
      repeat,
      files: datasetFiles,
      bytes,
      rows: rowCount,
      rowGroups,
      query,
      duckdb: duckdbVersion(),
    },
    contenders: summarize(samples),
    speedup: perRound(samples, "weft-1", "weft-2"),
    duckdbAhead: perRound(samples, "weft-2", "duckdb"),
  };
  printTimes(report.contenders, bytes);
  console.log(
    `weft-2 over weft-1: ${report.speedup.median.toFixed(2)}x; DuckDB over weft-2: ${report.duckdbAhead.median.toFixed(1)}x`,
  );
  saveReport("parquet.json", report, args.publish);
}
