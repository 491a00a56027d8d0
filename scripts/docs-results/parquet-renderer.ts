// The regions that quote `npm run bench:data -- --parquet` (docs/results/parquet.json): one aggregation
// over a Parquet dataset by weft on 1 and 2 workers and by DuckDB, with the ratios as measured.
import { parquetContenders } from "../../bench/data/parquet-report.ts";
import type { Spread } from "../../bench/data/report.ts";
import { storedPath, type RenderContext } from "./context.ts";
import { about, count, speedup, table } from "./markdown.ts";

/** The command, commit, machine, dataset and runs. */
export function parquetAbout(context: RenderContext): string {
  const { meta } = context.stored.get("parquet");
  const details =
    `${meta.files} files of ${(meta.bytes / 1e9).toFixed(2)} GB in all, ${count(meta.rows)} rows in ` +
    `${count(meta.rowGroups)} row groups (snappy), written by DuckDB; DuckDB ${meta.duckdb} on 2 threads; ` +
    `each contender a process of its own, medians of ${meta.repeat} rounds after a warm-up round`;
  return about(context.doc, storedPath("parquet"), meta, details);
}

const seconds = (spread: Spread) => `${spread.median.toFixed(2)} s`;
const ratio = (spread: Spread) =>
  `**${speedup(spread.median)}** (${spread.min.toFixed(2)} to ${spread.max.toFixed(2)})`;

/** Each contender's time, rate and peak RSS, then the two ratios, round by round. */
export function parquetTable(context: RenderContext): string {
  const report = context.stored.get("parquet");
  const { bytes, query } = report.meta;
  const rows = parquetContenders.map((name) => {
    const { seconds: time, peakMb } = report.contenders[name];
    return [name, seconds(time), `${(bytes / 1e6 / time.median).toFixed(0)} MB/s`, peakMb.toFixed(0)];
  });
  return [
    `The query, with DuckDB's SQL for it (weft runs the same as \`readParquet(dir, { columns: ["category", "value"] })\` then \`reduceByKey\`): \`${query.replace("DIR", "…")}\`.`,
    "",
    table(["contender", "median time", "rate", "peak RSS (MB)"], rows),
    "",
    `weft on 2 workers over weft on 1: ${ratio(report.speedup)}. DuckDB over weft on 2 workers: ${ratio(report.duckdbAhead)}.`,
  ].join("\n");
}
