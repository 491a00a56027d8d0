// Files as a job's input: the byte ranges a worker reads (a sink's files are in sinks.ts).
//
// Only paths and offsets travel; the data stays in the files, read by the workers.

/** How the lines of a file become items. */
export type FileFormat =
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
}

/** A partition folder's value: a number if it reads as one, null for Hive's default partition, else text. */
export type PartitionValue = string | number | null;

/** The fields of a partition, from its folders: `year=2024/kind=a` gives `{ year: 2024, kind: "a" }`. */
export type PartitionFields = Readonly<Record<string, PartitionValue>>;
