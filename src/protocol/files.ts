// Files as a job's input: the byte ranges a worker reads (a sink's files are in sinks.ts).
//
// Only paths and offsets travel; the data stays in the files, read by the workers.

/** How a file's contents become items: its lines (as they are, or parsed), or a Parquet file's rows. */
export type FileFormat = LineFormat | ParquetFormat;

/** How the lines of a file become items. */
export type LineFormat =
  | { readonly type: "lines" }
  /** NDJSON: each line is one JSON value; blank lines are skipped. */
  | { readonly type: "json" }
  /** CSV with a header row: each record is an object keyed by the header's names. */
  | {
      readonly type: "csv";
      readonly delimiter: string;
      /** Whether files were split at line boundaries (so a quoted line break can be cut). */
      readonly split: boolean;
    };

/** Parquet: each row of a row group is an object keyed by its columns' names (parquet-values.ts says how values map). */
export interface ParquetFormat {
  readonly type: "parquet";
  /** The columns read, in this order; undefined reads them all. */
  readonly columns?: readonly string[];
  /** Timestamps as `Date` (to the millisecond) or as the bigint the file stores, in its own unit. */
  readonly timestamps: "date" | "bigint";
}

/**
 * Bytes `start..end` of a file, as the unit of work: the range owns every line that starts in it
 * (a line starts at byte 0 or after a newline), so adjacent ranges split a file's lines between
 * them exactly, wherever their boundaries fall.
 */
export interface FileRange {
  /** An absolute path, read by whichever worker gets the range. */
  readonly path: string;
  readonly start: number;
  readonly end: number;
  /** Gzip cannot be read from the middle: a gzip file is always one range, from 0 to its size. */
  readonly gzip: boolean;
  /**
   * The file's partition fields, from the `key=value` folders it lies in (Hive's layout, which Spark
   * and Dask write), added to each of its records; absent outside such folders.
   */
  readonly fields?: PartitionFields;
  /**
   * In a Parquet file, the row group this range is, the unit Parquet files split at: its column
   * chunks lie in bytes `start..end`, and the worker reads only the chunks of the columns asked for.
   */
  readonly rowGroup?: number;
}

/** A partition folder's value: a number if it reads as one, null for Hive's default partition, else text. */
export type PartitionValue = string | number | null;

/** The fields of a partition, from its folders: `year=2024/kind=a` gives `{ year: 2024, kind: "a" }`. */
export type PartitionFields = Readonly<Record<string, PartitionValue>>;
