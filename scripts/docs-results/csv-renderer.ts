// The regions that quote `npm run bench:data -- --csv` (docs/results/csv.json): one aggregation over
// a CSV dataset by a plain Node.js loop, weft on 1 and 2 workers, Dask bag and Dask dataframe.
import { csvContenders } from "../../bench/data/csv-report.ts";
import type { Spread } from "../../bench/data/report.ts";
import { storedPath, type RenderContext } from "./context.ts";
import { about, count, speedup, table } from "./markdown.ts";

/** The command, commit, machine, dataset and runs. */
export function csvAbout(context: RenderContext): string {
  const { meta } = context.stored.get("csv");
  const details =
    `${meta.files} CSV files with a header, ${(meta.bytes / 1e9).toFixed(2)} GB in all, ${count(meta.rows)} rows, ` +
    `written by DuckDB; Dask ${meta.dask} on Python ${meta.python} on a warm pool of 2 worker processes ` +
    `(multiprocessing, spawn), ${count(meta.daskPartitions)} partitions; weft on 2 worker threads; ` +
    `each contender a process of its own, its pool started before its clock, medians of ${meta.repeat} rounds after a warm-up round`;
  return about(context.doc, storedPath("csv"), meta, details);
}

const what: Record<(typeof csvContenders)[number], string> = {
  "node-loop": "a Node.js loop: each file through csv-parse's stream (`columns: true`), summed in a Map",
  "weft-1": "`readCsv(dir)` then `reduceByKey`, 1 worker",
  "weft-2": "the same, 2 workers",
  "dask-bag": "`read_text`, each line split at its commas, `foldby`",
  "dask-dataframe": '`read_csv(usecols=["category", "value"])`, `groupby(...).agg(["count", "sum"])`',
};

const ratio = (spread: Spread) =>
  `**${speedup(spread.median)}** (${spread.min.toFixed(2)} to ${spread.max.toFixed(2)})`;

/** Each contender's time, rate and peak RSS, then the ratios, round by round. */
export function csvTable(context: RenderContext): string {
  const report = context.stored.get("csv");
  const { bytes } = report.meta;
  const rows = csvContenders.map((name) => {
    const { seconds, peakMb } = report.contenders[name];
    const rate = `${(bytes / 1e6 / seconds.median).toFixed(0)} MB/s`;
    return [name, what[name], `${seconds.median.toFixed(2)} s`, rate, peakMb.toFixed(0)];
  });
  return [
    "The count and the sum of `value` for each `category`, every answer checked equal:",
    "",
    table(["contender", "what it runs", "median time", "rate", "peak RSS (MB)"], rows),
    "",
    `weft on 2 workers over the Node.js loop: ${ratio(report.overLoop)}; over weft on 1 worker: ${ratio(report.speedup)}; ` +
      `over Dask bag: ${ratio(report.overDaskBag)}; over Dask dataframe: ${ratio(report.overDaskDataframe)} ` +
      "(each the other's time over weft's, round by round; below 1x the other was faster).",
  ].join("\n");
}
