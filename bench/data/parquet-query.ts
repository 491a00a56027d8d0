// Parquet at scale (issue 20, item 5): one aggregation over a Parquet dataset of at least 1 GB, by
// weft on 1 and 2 workers and by DuckDB (2 threads) on the same files: the count and the sum of
// `value` for each `category`, reading those two columns. DuckDB is a vectorised C++ engine: it is
// the limit to measure against, and the ratio is reported as it is. Each contender runs in a process
// of its own (its peak RSS is its own), in turns, after one warm-up round each; the answers must agree
// exactly (the values are multiples of 1/8, so a sum is exact in any order).
// The dataset (8 files, DuckDB's default row groups, snappy) is generated once into --dir and kept.
// Prints a table, saves bench/results/parquet.json, and with --publish docs/results/parquet.json.
// Usage: npm run bench:data -- --parquet [--gb 1] [--repeat 3] [--dir .scratch/parquet-data] [--publish]
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DuckDBInstance, version as duckdbVersion } from "@duckdb/node-api";
import { parquetMetadataAsync, asyncBufferFromFile } from "hyparquet";
import { median } from "../../src/scaling/analysis.ts";
import { commandLine, publish, publishedMeta, resultsDirectory } from "../../src/scaling/publish.ts";
import { parquetContenders, type ParquetReport } from "./parquet-report.ts";
import type { Spread } from "./report.ts";

const { values: args } = parseArgs({
  options: {
    gb: { type: "string", default: "1" },
    repeat: { type: "string", default: "3" },
    dir: { type: "string", default: ".scratch/parquet-data" },
    contender: { type: "string" },
    publish: { type: "boolean", default: false },
  },
});
const files = 8;
/** Bytes a row of the generated table takes in Parquet (snappy), measured: a 5,000,000-row file is 228 MB. */
const bytesPerRow = 45.6;
type Answer = Record<string, { count: number; sum: number }>;
interface Sample {
  readonly seconds: number;
  readonly peakMb: number;
  readonly answer: Answer;
}

const query = `SELECT category, count(*)::BIGINT AS n, sum(value) AS total FROM read_parquet('DIR/*.parquet') GROUP BY category`;

async function duckdb(dir: string): Promise<Answer> {
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
): Promise<Answer> {
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
  if (!existsSync(dir) || readdirSync(dir).filter((f) => f.endsWith(".parquet")).length !== files) {
    mkdirSync(dir, { recursive: true });
    const db = await DuckDBInstance.create(":memory:");
    const duck = await db.connect();
    const perFile = Math.ceil(rows / files);
    for (let f = 0; f < files; f++) {
      console.error(`writing file ${f + 1} of ${files}`);
      await duck.run(
        `COPY (SELECT i::BIGINT AS id, 'name-' || (i % 100000) AS name, (i % 1000) / 8 AS value, ` +
          `['a','b','c','d'][i % 4 + 1] AS category, TIMESTAMP '2024-01-01' + to_seconds(i) AS ts, ` +
          `md5(i::VARCHAR) AS hash FROM range(${f * perFile}, ${(f + 1) * perFile}) t(i)) ` +
          `TO '${join(dir, `part-${String(f).padStart(5, "0")}.parquet`)}' (FORMAT parquet, COMPRESSION snappy)`,
      );
    }
    duck.closeSync();
    db.closeSync();
  }
  const names = readdirSync(dir).filter((f) => f.endsWith(".parquet"));
  const bytes = names.reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
  let rowCount = 0;
  let rowGroups = 0;
  for (const name of names) {
    const metadata = await parquetMetadataAsync(await asyncBufferFromFile(join(dir, name)));
    rowCount += Number(metadata.num_rows);
    rowGroups += metadata.row_groups.length;
  }
  console.log(
    `${files} Parquet files, ${(bytes / 1e9).toFixed(2)} GB, ${rowCount} rows in ${rowGroups} row groups, in ${dir}`,
  );
  if (args.publish) resultsDirectory(); // fails now, not after the run, when there is nowhere to publish
  const meta = publishedMeta(
    commandLine("npm run bench:data", ["--parquet", ...process.argv.slice(2)]),
    false,
  );
  const repeat = Number(args.repeat);
  const run = (contender: string): Sample => {
    const out = execFileSync(
      process.execPath,
      ["--import", "tsx", fileURLToPath(import.meta.url), "--dir", dir, "--contender", contender],
      { encoding: "utf8" },
    );
    return JSON.parse(out.trim().split("\n").at(-1)!) as Sample;
  };
  const samples = new Map<string, Sample[]>(parquetContenders.map((c) => [c, []]));
  let expected: string | undefined;
  for (let round = 0; round <= repeat; round++) {
    for (const contender of parquetContenders) {
      const sample = run(contender);
      const answer = JSON.stringify(Object.entries(sample.answer).sort());
      expected ??= answer;
      if (answer !== expected) throw new Error(`${contender} answered ${answer}, not ${expected}`);
      console.error(
        `round ${round}${round === 0 ? " (warm-up)" : ""}: ${contender} ${sample.seconds.toFixed(2)} s`,
      );
      if (round > 0) samples.get(contender)!.push(sample);
    }
  }
  const spread = (values: number[]): Spread => ({
    median: median(values),
    min: Math.min(...values),
    max: Math.max(...values),
    samples: values,
  });
  const times = (c: string) => samples.get(c)!.map((s) => s.seconds);
  const perRound = (a: string, b: string) => times(a).map((t, i) => t / times(b)[i]!);
  const report: ParquetReport = {
    meta: {
      ...meta,
      repeat,
      files,
      bytes,
      rows: rowCount,
      rowGroups,
      query,
      duckdb: duckdbVersion(),
    },
    contenders: Object.fromEntries(
      parquetContenders.map((c) => [
        c,
        { seconds: spread(times(c)), peakMb: Math.max(...samples.get(c)!.map((s) => s.peakMb)) },
      ]),
    ) as ParquetReport["contenders"],
    speedup: spread(perRound("weft-1", "weft-2")),
    duckdbAhead: spread(perRound("weft-2", "duckdb")),
  };
  console.log("contender | s (median) | peak RSS MB | GB/s");
  for (const c of parquetContenders) {
    const { seconds, peakMb } = report.contenders[c];
    console.log(
      `${c.padEnd(9)} | ${seconds.median.toFixed(2).padStart(10)} | ${peakMb.toFixed(0).padStart(11)} | ${(bytes / 1e9 / seconds.median).toFixed(3)}`,
    );
  }
  console.log(
    `weft-2 over weft-1: ${report.speedup.median.toFixed(2)}x; DuckDB over weft-2: ${report.duckdbAhead.median.toFixed(1)}x`,
  );
  writeFileSync(
    fileURLToPath(new URL("../results/parquet.json", import.meta.url)),
    `${JSON.stringify(report, null, 2)}\n`,
  );
  if (args.publish) console.log(`published ${publish("parquet.json", report)}`);
}
