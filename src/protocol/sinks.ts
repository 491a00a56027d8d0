// A sink's files, named as Spark's commit protocol names them. Each attempt at a chunk writes under
// `<dir>/_temporary/<token>/<attempt>/` (readers of datasets skip `_` names), the pool moves the
// parts of the accepted attempts into place when the whole job has succeeded, then writes
// `_SUCCESS`: a dataset in view is always whole.

/** How a sink writes each record. A new format is one more member here and one encoder (runtime/files/part-encoders.ts). */
export type SinkFormat =
  /** `String(item)`, one a line. */
  | { readonly type: "lines" }
  /** One line of JSON a record (NDJSON). */
  | { readonly type: "json" }
  /** CSV with a header row in each part, quoted as RFC 4180. */
  | { readonly type: "csv"; readonly delimiter: string }
  /** Parquet, its schema from each part's first row group (runtime/files/parquet-writer.ts). */
  | {
      readonly type: "parquet";
      readonly compression: ParquetCodec;
      /** Rows per row group; a part's last one holds what is left. */
      readonly rowGroupSize: number;
      /** The types of the columns given, as `writeParquet`'s `schema` option takes them. */
      readonly schema?: Readonly<Record<string, ParquetType>>;
    };

/**
 * A Parquet column's type, as `writeParquet` takes it: a leaf type's name, a list as a one-element
 * array of its element's type (`["string"]`), a struct as an object of its fields' types.
 */
export type ParquetType =
  | "int64"
  | "double"
  | "string"
  | "boolean"
  | "timestamp"
  | "bytes"
  | readonly [ParquetType]
  | { readonly [field: string]: ParquetType };

/** The compression codecs of a Parquet sink, as the format names them. */
export type ParquetCodec = "UNCOMPRESSED" | "SNAPPY" | "GZIP" | "ZSTD" | "BROTLI";

/** The formats a sink writes, by their type, with the extension of their part files. */
export const sinkExtensions: Readonly<Record<SinkFormat["type"], string>> = {
  lines: "txt",
  json: "ndjson",
  csv: "csv",
  parquet: "parquet",
};

/** The folder under a sink's directory where its jobs write before they commit, as Hadoop and Spark name it. */
export const temporaryFolder = "_temporary";

/** Part numbers have five digits, as Spark and Hadoop write them, so name order is chunk order. */
const partDigits = 5;

/**
 * The name of the part file that holds chunk `seq`'s records (in one partition folder, if any):
 * `part-00000-<token>.<ext>` as Spark names them, so the parts of two runs never share a name.
 */
export function partName(seq: number, token: string, format: SinkFormat): string {
  return `part-${String(seq).padStart(partDigits, "0")}-${token}.${sinkExtensions[format.type]}`;
}

/** The folder, under `_temporary/<token>`, of one attempt at chunk `seq`: every attempt has its own. */
export function attemptFolder(seq: number, attempt: string): string {
  return `${String(seq).padStart(partDigits, "0")}-${attempt}`;
}

/** Whether `name` is a folder {@link attemptFolder} makes. */
export const isAttemptFolder = (name: string): boolean => /^\d+-[0-9a-f]+$/.test(name);

/**
 * Whether `path` is a part file's path as a sink's worker reports it: `/`-separated `key=value`
 * folders (escaped as {@link hiveFolder} escapes them, so no segment is `.` or `..`) and a part name,
 * of the job with `token` if given.
 */
export function isPartPath(path: string, token?: string): boolean {
  const segments = path.split("/");
  const name = segments.pop()!;
  const part = /^part-\d+-([0-9a-f]+)\.[a-z]+$/.exec(name);
  return (
    part !== null &&
    (token === undefined || part[1] === token) &&
    segments.every((folder) => /^[^=/\0]+=[^/\0]*$/.test(folder))
  );
}

/** A file one attempt at a chunk wrote: its path under the attempt's folder (and, once committed, under the sink's directory). */
export interface WrittenFile {
  readonly path: string;
  readonly records: number;
  readonly bytes: number;
  /** What every part of the dataset must agree on, in words (a CSV part's columns), if its format has one. */
  readonly schema?: string;
}

/** What a worker reports for its chunk of a sink: the attempt's folder, if it wrote anything, and its files. */
export interface WrittenPart {
  readonly attempt: string | undefined;
  readonly files: readonly WrittenFile[];
}

/** The value Hive, Spark and Dask write for a partition field that is null, undefined or empty. */
export const defaultPartition = "__HIVE_DEFAULT_PARTITION__";

/**
 * Characters Spark escapes in a partition folder's name (ExternalCatalogUtils.escapePathName), as
 * `%` and two upper-case hex digits: control characters, and those a path or a pattern gives a
 * meaning to. NUL too, which no file name may hold.
 */
// eslint-disable-next-line no-control-regex
const escaped = /[\u0000-\u001f"#%'*/:=?\\\u007f{[\]^]/g;

const escapeName = (text: string): string =>
  text.replace(escaped, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);

/**
 * The folder name `field=value` of one partition field, escaped as Spark escapes it; null,
 * undefined and an empty text go to Hive's default partition. Throws for a value that has no text
 * a folder could hold (an object, a symbol, a function).
 */
export function hiveFolder(field: string, value: unknown): string {
  if (value === null || value === undefined || value === "")
    return `${escapeName(field)}=${defaultPartition}`;
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
    case "bigint":
      return `${escapeName(field)}=${escapeName(String(value))}`;
    default:
      throw new TypeError(
        `partitionBy: the field "${field}" is ${typeof value === "object" ? "an object" : `a ${typeof value}`}; a partition folder holds a text, a number, a boolean or null`,
      );
  }
}
