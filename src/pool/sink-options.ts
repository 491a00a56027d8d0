// The options of the sinks (`writeLines`, `writeJson`, `writeCsv`), checked before a job starts.
import { OptionError } from "../errors.ts";
import type { ParquetCodec, ParquetType, SinkFormat } from "../protocol/sinks.ts";

/** Options of `writeLines`, `writeJson` and `writeCsv`. */
export interface SinkOptions {
  /**
   * Fields to write the records into Hive-style folders by, as Spark's `partitionBy` does:
   * `["year", "kind"]` puts each record in `year=2024/kind=a/`, without those fields (they are in
   * the folder's name, and `readJson`/`readCsv` give them back). The items must be objects; a
   * missing, null or empty field goes to `__HIVE_DEFAULT_PARTITION__`. With `writeLines`, the one
   * field left is written as the line.
   * @default none
   */
  readonly partitionBy?: readonly string[];
}

/** Options of `writeCsv`. */
export interface CsvSinkOptions extends SinkOptions {
  /** The field separator. @default "," */
  readonly delimiter?: string;
}

/** Options of `writeParquet`. */
export interface ParquetSinkOptions extends SinkOptions {
  /** How each column chunk is compressed. @default "snappy" */
  readonly compression?: "snappy" | "gzip" | "zstd" | "brotli" | "none";
  /**
   * Rows per row group, the unit Parquet's readers (weft's `readParquet`, Spark, Dask, DuckDB) split
   * a file at. A worker holds a row group's records until it is written.
   * @default 100000
   */
  readonly rowGroupSize?: number;
  /**
   * The types of some columns (or all), for those the records alone may not show in every part: a
   * part takes each column's type from its first row group, and a column null there (or missing) is
   * written as text. Types are `"int64"` (bigint), `"double"` (number), `"string"`, `"boolean"`,
   * `"timestamp"` (Date), `"bytes"` (Uint8Array), a list as `[type]`, a struct as `{ field: type }`:
   * `{ tags: ["string"], place: { lat: "double", lon: "double" } }`.
   * @default each part's first row group's types
   */
  readonly schema?: Readonly<Record<string, ParquetType>>;
}

/** The checked format and partition fields of a sink. */
export function sinkSettings(
  type: SinkFormat["type"],
  options: CsvSinkOptions & ParquetSinkOptions,
): { format: SinkFormat; partitionBy: readonly string[] | undefined } {
  if (typeof options !== "object" || options === null)
    throw new OptionError(`a sink's options must be an object, got ${String(options)}`);
  const partitionBy = checkedPartitionBy(options.partitionBy);
  if (type === "parquet") return { format: parquetFormat(options), partitionBy };
  if (type !== "csv") {
    if (options.delimiter !== undefined)
      throw new OptionError("delimiter is an option of writeCsv, not of writeLines or writeJson");
    return { format: { type }, partitionBy };
  }
  const delimiter = options.delimiter ?? ",";
  if (typeof delimiter !== "string" || delimiter === "" || /["\r\n]/.test(delimiter))
    throw new OptionError(
      `delimiter must be a non-empty text without quotes or line breaks, got ${JSON.stringify(delimiter)}`,
    );
  return { format: { type, delimiter }, partitionBy };
}

const parquetCodecs: Readonly<Record<string, ParquetCodec>> = {
  snappy: "SNAPPY",
  gzip: "GZIP",
  zstd: "ZSTD",
  brotli: "BROTLI",
  none: "UNCOMPRESSED",
};

function parquetFormat(options: ParquetSinkOptions): SinkFormat {
  const { compression = "snappy", rowGroupSize = 100_000 } = options;
  if (!Object.hasOwn(parquetCodecs, compression))
    throw new OptionError(
      `compression must be one of ${Object.keys(parquetCodecs).join(", ")}, got ${JSON.stringify(compression)}`,
    );
  if (!Number.isSafeInteger(rowGroupSize) || rowGroupSize < 1)
    throw new OptionError(
      `rowGroupSize must be a whole number of rows, 1 or more, got ${String(rowGroupSize)}`,
    );
  const schema = options.schema;
  if (schema !== undefined) checkedParquetType(schema, "schema", true);
  return {
    type: "parquet",
    compression: parquetCodecs[compression]!,
    rowGroupSize,
    ...(schema !== undefined && { schema }),
  };
}

const parquetLeaves: readonly unknown[] = ["int64", "double", "string", "boolean", "timestamp", "bytes"];

function checkedParquetType(type: unknown, where: string, top = false): void {
  if (!top && parquetLeaves.includes(type)) return;
  if (!top && Array.isArray(type) && type.length === 1) return checkedParquetType(type[0], `${where}[0]`);
  if (typeof type === "object" && type !== null && !Array.isArray(type) && Object.keys(type).length > 0) {
    for (const [field, inner] of Object.entries(type)) checkedParquetType(inner, `${where}.${field}`);
    return;
  }
  throw new OptionError(
    top
      ? `schema must be an object of column names and their types, got ${JSON.stringify(type)}`
      : `${where} must be one of ${parquetLeaves.join(", ")}, [type] for a list or { field: type } for a struct, got ${JSON.stringify(type)}`,
  );
}

function checkedPartitionBy(partitionBy: unknown): readonly string[] | undefined {
  if (partitionBy === undefined) return undefined;
  const usage = 'partitionBy must be a non-empty list of distinct field names, like ["year", "kind"]';
  if (!Array.isArray(partitionBy) || partitionBy.length === 0)
    throw new OptionError(`${usage}, got ${JSON.stringify(partitionBy)}`);
  for (const field of partitionBy as unknown[]) {
    if (typeof field !== "string" || field === "")
      throw new OptionError(`${usage}, and ${JSON.stringify(field)} is not a field name`);
  }
  const fields = partitionBy as string[];
  const twice = fields.find((field, k) => fields.indexOf(field) !== k);
  if (twice !== undefined) throw new OptionError(`${usage}, and "${twice}" is in it twice`);
  return [...fields];
}
