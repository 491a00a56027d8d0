// Files as a job's input and output: the byte ranges a worker reads, and the part files it writes.
//
// Only paths and offsets travel; the data stays in the files, read and written by the workers.

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

/** How a sink writes each item: as `String(item)`, or as one line of JSON. */
export type SinkFormat = "lines" | "json";

/** What a worker reports for its chunk of a sink: the temporary file it wrote, if any, and what is in it. */
export interface WrittenPart {
  /** The file's name in the sink's directory, to be renamed to {@link partName} when the pool accepts the chunk. */
  readonly temp: string | undefined;
  readonly records: number;
  readonly bytes: number;
}

/** Part numbers have five digits, as Spark and Hadoop write them, so name order is chunk order. */
const partDigits = 5;

/** The name of the part file that holds chunk `seq`'s output. */
export function partName(seq: number, format: SinkFormat): string {
  return `part-${String(seq).padStart(partDigits, "0")}${format === "json" ? ".ndjson" : ".txt"}`;
}

/**
 * The name a worker writes chunk `seq` under before the pool accepts it: hidden (readers of
 * datasets skip names that start with `.`), marked with the job's `token` so the pool can find
 * what any attempt left behind, and unique per attempt so two attempts never share a file.
 */
export function tempName(token: string, seq: number, attempt: string): string {
  return `.weft-${token}-${String(seq).padStart(partDigits, "0")}-${attempt}.tmp`;
}

/** The chunk a temporary part of the job with `token` holds, or undefined if `name` is not one (or not a bare file name). */
export function seqOfTemp(token: string, name: string): number | undefined {
  const match = /^\.weft-([0-9a-f]+)-(\d+)-[0-9a-f]+\.tmp$/.exec(name);
  return match && match[1] === token ? Number(match[2]) : undefined;
}
