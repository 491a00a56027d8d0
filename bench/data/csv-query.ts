// CSV at scale (issue 20, item 5: the Dask comparison of the large-data benchmark, on CSV): one
// aggregation over a CSV dataset of at least 1 GB, the count and the sum of `value` for each
// `category`, by a plain Node.js loop streaming the files through csv-parse (the parser weft's
// workers use), by weft on 1 and 2 workers (`readCsv` then `reduceByKey`), by Dask bag (lines split
// at their commas, `foldby`) and by Dask dataframe (`read_csv`, pandas' C parser, then `groupby`).
// Every contender runs in a fresh process each round, its pool started before its clock (rounds.ts);
// the answers must agree exactly (the values are multiples of 1/8). The dataset (8 files with a
// header, the rows of the Parquet benchmark's table) is generated once into --dir and kept.
// Prints a table, saves bench/results/csv.json, and with --publish docs/results/csv.json.
// Usage: npm run bench:data -- --csv [--gb 1] [--repeat 3] [--dir .scratch/csv-data]
//        [--python /usr/bin/python3] [--publish]
import { createReadStream, statSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { parse } from "csv-parse";
import { commandLine, publishedMeta, resultsDirectory } from "../../src/scaling/publish.ts";
import { checkDask } from "./contenders.ts";
import { csvContenders, type CsvContender, type CsvReport } from "./csv-report.ts";
import { datasetFiles, datasetParts, writeQueryDataset, type CategoryTotals } from "./query-dataset.ts";
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
    dir: { type: "string", default: ".scratch/csv-data" },
    python: { type: "string", default: "/usr/bin/python3" },
    contender: { type: "string" },
    publish: { type: "boolean", default: false },
  },
});
/** Bytes a row of the generated table takes in CSV, measured: 12,062,726 rows are 969 MB. */
const bytesPerRow = 80.3;
interface Row {
  readonly category: string;
  readonly value: string;
}
interface Sample extends QuerySample {
  readonly answer: CategoryTotals;
}
interface DaskSample extends Sample {
  readonly dask: string;
  readonly python: string;
  readonly partitions: number;
}

const daskScript = fileURLToPath(new URL("./dask_csv.py", import.meta.url));

/** The hand-written loop: each file in turn through csv-parse's stream, summed into a Map. */
async function nodeLoop(paths: readonly string[]): Promise<CategoryTotals> {
  const totals = new Map<string, { count: number; sum: number }>();
  for (const path of paths) {
    for await (const row of createReadStream(path).pipe(parse({ columns: true })) as AsyncIterable<Row>) {
      const total = totals.get(row.category);
      if (total) {
        total.count++;
        total.sum += Number(row.value);
      } else totals.set(row.category, { count: 1, sum: Number(row.value) });
    }
  }
  return Object.fromEntries(totals);
}

/** weft's query on a pool started now; the pool closes after the query, off the clock as Dask's does. */
async function weftQuery(
  weft: typeof import("../../src/index.ts").weft,
  dir: string,
  workers: number,
): Promise<{ run: () => Promise<CategoryTotals>; close: () => Promise<void> }> {
  const pool = await weft({ backend: "threads", workers });
  const run = async () => {
    const sums = await pool.readCsv<Row>(dir).reduceByKey(
      (row) => row.category,
      (row) => [1, Number(row.value)] as [number, number],
      (a, b) => [a[0] + b[0], a[1] + b[1]] as [number, number],
    );
    return Object.fromEntries([...sums].map(([category, [count, sum]]) => [category, { count, sum }]));
  };
  return { run, close: () => pool.close() };
}

if (args.contender) {
  const dir = resolve(args.dir);
  // Loaded, and the pool started, before the clock starts, as Dask's pool is: the query is timed.
  const { weft } = await import("../../src/index.ts");
  const paths = datasetParts(dir, "csv");
  const query =
    args.contender === "node-loop"
      ? { run: () => nodeLoop(paths), close: () => Promise.resolve() }
      : await weftQuery(weft, dir, Number(args.contender.slice(5)));
  const started = performance.now();
  const answer = await query.run();
  const seconds = (performance.now() - started) / 1000;
  await query.close();
  // weft's workers are threads of this process: its peak RSS holds theirs.
  console.log(JSON.stringify({ seconds, peakMb: process.resourceUsage().maxRSS / 1024, answer }));
} else {
  checkDask(args.python);
  const dir = resolve(args.dir);
  const rows = Math.ceil((Number(args.gb) * 1e9) / bytesPerRow);
  const paths = await writeQueryDataset(dir, "csv", rows, datasetFiles);
  const bytes = paths.reduce((sum, path) => sum + statSync(path).size, 0);
  console.log(`${datasetFiles} CSV files, ${(bytes / 1e9).toFixed(2)} GB, in ${dir}`);
  if (args.publish) resultsDirectory(); // fails now, not after the run, when there is nowhere to publish
  const meta = publishedMeta(commandLine("npm run bench:data", ["--csv", ...process.argv.slice(2)]), false);
  const repeat = Number(args.repeat);
  const samples = runRounds<CsvContender, Sample>(
    csvContenders,
    (contender) =>
      contender.startsWith("dask-")
        ? [args.python, daskScript, "--dir", dir, "--engine", contender.slice(5), "--workers", "2"]
        : scriptContender(import.meta.url, dir, contender),
    repeat,
  );
  const dask = samples.get("dask-bag")![0] as DaskSample;
  const rowCount = Object.values(samples.get("node-loop")![0]!.answer).reduce((n, t) => n + t.count, 0);
  const report: CsvReport = {
    meta: {
      ...meta,
      repeat,
      files: datasetFiles,
      bytes,
      rows: rowCount,
      dask: dask.dask,
      python: dask.python,
      daskPartitions: dask.partitions,
    },
    contenders: summarize(samples),
    overLoop: perRound(samples, "node-loop", "weft-2"),
    speedup: perRound(samples, "weft-1", "weft-2"),
    overDaskBag: perRound(samples, "dask-bag", "weft-2"),
    overDaskDataframe: perRound(samples, "dask-dataframe", "weft-2"),
  };
  printTimes(report.contenders, bytes);
  const x = (s: { median: number }) => `${s.median.toFixed(2)}x`;
  console.log(
    `weft-2 over the Node.js loop ${x(report.overLoop)}, over weft-1 ${x(report.speedup)}, ` +
      `over Dask bag ${x(report.overDaskBag)}, over Dask dataframe ${x(report.overDaskDataframe)}`,
  );
  saveReport("csv.json", report, args.publish);
}
