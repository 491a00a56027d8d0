// The table of the one-query benchmarks (`--parquet`, `--csv`), written by DuckDB from a formula, so
// that both formats hold the same rows: id, name, value, category, ts, hash. `value` is a multiple of
// 1/8, so a sum of values is exact in any order and every contender's answer must be equal.
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";

export type DatasetFormat = "parquet" | "csv";

/** Part files in a dataset: enough for two workers to share evenly whatever they split at. */
export const datasetFiles = 8;

/** The query's answer: the count and the sum of `value` for each `category`. */
export type CategoryTotals = Record<string, { count: number; sum: number }>;

const copyOptions: Record<DatasetFormat, string> = {
  parquet: "FORMAT parquet, COMPRESSION snappy",
  csv: "FORMAT csv, HEADER true",
};

/** The part files in `dir` of `format`, in order. */
export function datasetParts(dir: string, format: DatasetFormat): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith(`.${format}`))
    .sort()
    .map((name) => join(dir, name));
}

/** The part files of the dataset in `dir`, written unless `dir` already holds `files` of them. */
export async function writeQueryDataset(
  dir: string,
  format: DatasetFormat,
  rows: number,
  files: number,
): Promise<string[]> {
  const parts = datasetParts(dir, format);
  if (parts.length === files) return parts;
  mkdirSync(dir, { recursive: true });
  const db = await DuckDBInstance.create(":memory:");
  const duck = await db.connect();
  try {
    const perFile = Math.ceil(rows / files);
    for (let f = 0; f < files; f++) {
      console.error(`writing file ${f + 1} of ${files}`);
      await duck.run(
        `COPY (SELECT i::BIGINT AS id, 'name-' || (i % 100000) AS name, (i % 1000) / 8 AS value, ` +
          `['a','b','c','d'][i % 4 + 1] AS category, TIMESTAMP '2024-01-01' + to_seconds(i) AS ts, ` +
          `md5(i::VARCHAR) AS hash FROM range(${f * perFile}, ${(f + 1) * perFile}) t(i)) ` +
          `TO '${join(dir, `part-${String(f).padStart(5, "0")}.${format}`)}' (${copyOptions[format]})`,
      );
    }
  } finally {
    duck.closeSync();
    db.closeSync();
  }
  return datasetParts(dir, format);
}
