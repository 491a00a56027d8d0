// The file sources of a pool (`readLines`, `readJson`, `readCsv`, `readParquet`): their options, checked, and the
// source each run plans afresh, so a run reads the files as they are when it starts.
import { OptionError } from "../errors.ts";
import { FileSource } from "../jobs/file-source.ts";
import type { FileFormat, PartitionFields } from "../protocol/files.ts";
import type { SourceFactory } from "./collection.ts";
import { positiveInteger } from "./options.ts";

/** Options of `pool.readLines` and `pool.readJson`. */
export interface ReadOptions {
  /**
   * Bytes per range, the unit a file is split into (a gzip file is always one range). Smaller ranges
   * balance better; larger ones cost less each.
   * @default about an eighth of each worker's share of the input, between 64 KiB and 4 MiB
   */
  readonly rangeBytes?: number;
  /**
   * For a dataset in `key=value` folders (Hive's layout, which Spark and Dask write): which
   * partitions to read, given each one's fields (`{ year: 2024, kind: "a" }`); the files of the
   * others are never opened. `readJson`, `readCsv` and `readParquet` add those fields to every record.
   * @default every partition
   */
  readonly keepPartition?: (fields: PartitionFields) => boolean;
}

/** Options of `pool.readCsv`. */
export interface CsvOptions extends ReadOptions {
  /**
   * Whether files are split into ranges at line boundaries. CSV allows a line break inside a quoted
   * field, and a range that starts inside one would read the rest of the record as records: for
   * such files, `false` reads each file as one range, from its header down.
   * @default true
   */
  readonly split?: boolean;
  /** The field separator. @default "," */
  readonly delimiter?: string;
}

/** Options of `pool.readParquet`. */
export interface ParquetOptions extends Pick<ReadOptions, "keepPartition"> {
  /**
   * The columns to read, by name; the workers read only these columns' data. A struct or list
   * column comes whole; a field of the dataset's `key=value` folders may be named too.
   * @default every column, and every folder's field
   */
  readonly columns?: readonly string[];
  /**
   * How timestamp columns come back: `"date"` as a `Date` (to the millisecond; finer digits are
   * dropped), `"bigint"` as the integer the file stores, in the column's own unit (milliseconds,
   * microseconds or nanoseconds since 1970), exact.
   * @default "date"
   */
  readonly timestamps?: "date" | "bigint";
}

/** The source of a Parquet collection: the files' footers read on each run, one unit per row group. */
export function parquetSourceFactory(
  paths: string | readonly string[],
  options: ParquetOptions,
  workers: number,
): SourceFactory {
  const { timestamps = "date", keepPartition } = options;
  const columns = columnNames(options.columns);
  if (timestamps !== "date" && timestamps !== "bigint")
    throw new OptionError(`timestamps must be "date" or "bigint", got ${JSON.stringify(timestamps)}`);
  checkKeepPartition(keepPartition);
  const format: FileFormat = { type: "parquet", timestamps, ...(columns && { columns }) };
  return async () => {
    // Loaded when a Parquet source first runs: a pool that reads none never loads hyparquet.
    const { planRowGroups } = await import("../jobs/parquet-plan.ts");
    const ranges = await planRowGroups(paths, { workers, keepPartition, columns });
    return { source: new FileSource(ranges, format), total: ranges.length };
  };
}

/** A copy of the `columns` option, checked. */
function columnNames(columns: unknown): string[] | undefined {
  if (columns === undefined) return undefined;
  const names: unknown[] = Array.isArray(columns) ? columns : [];
  if (names.length === 0 || !names.every((name): name is string => typeof name === "string" && name !== ""))
    throw new OptionError(`columns must be a list of column names, got ${JSON.stringify(columns)}`);
  return [...names];
}

function checkKeepPartition(keepPartition: unknown): void {
  if (keepPartition !== undefined && typeof keepPartition !== "function")
    throw new OptionError(
      `keepPartition must be a function of a partition's fields, got ${typeof keepPartition}`,
    );
}

/** The source of a file collection: planned on each run, cut for `workers`. */
export function fileSourceFactory(
  paths: string | readonly string[],
  format: FileFormat,
  options: CsvOptions,
  workers: number,
): SourceFactory {
  const rangeBytes =
    options.rangeBytes === undefined ? undefined : positiveInteger("rangeBytes", options.rangeBytes);
  const split = options.split ?? true;
  if (typeof split !== "boolean") throw new OptionError(`split must be true or false, got ${String(split)}`);
  const { keepPartition } = options;
  checkKeepPartition(keepPartition);
  return async () => {
    const { planRanges } = await import("../jobs/file-plan.ts");
    const ranges = await planRanges(paths, { rangeBytes, split, workers, keepPartition });
    return { source: new FileSource(ranges, format), total: ranges.length };
  };
}

/** The CSV format, with its delimiter checked. */
export function csvFormat(options: CsvOptions): FileFormat {
  const delimiter = options.delimiter ?? ",";
  if (typeof delimiter !== "string" || delimiter === "" || delimiter.includes("\n")) {
    throw new OptionError(
      `delimiter must be a non-empty string without a line break, got ${JSON.stringify(delimiter)}`,
    );
  }
  return { type: "csv", delimiter, split: options.split ?? true };
}

/** Why a cluster pool refuses files: its workers may be on machines that do not see them. `method` as written, `readLines()`. */
export function filesNotShared(method: string): OptionError {
  return new OptionError(
    `${method} needs files the cluster's workers can see: they may run on other machines. Give the pool ` +
      "the directory they share, weft({ redis, dataRoot }), and start each worker with weft worker " +
      "--data-root <that directory> (see docs/large-data.md)",
  );
}
