// The options of the sinks (`writeLines`, `writeJson`, `writeCsv`), checked before a job starts.
import { OptionError } from "../errors.ts";
import type { SinkFormat } from "../protocol/sinks.ts";

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

/** The checked format and partition fields of a sink. */
export function sinkSettings(
  type: SinkFormat["type"],
  options: CsvSinkOptions,
): { format: SinkFormat; partitionBy: readonly string[] | undefined } {
  if (typeof options !== "object" || options === null)
    throw new OptionError(`a sink's options must be an object, got ${String(options)}`);
  const partitionBy = checkedPartitionBy(options.partitionBy);
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
