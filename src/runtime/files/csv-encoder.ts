// writeCsv's encoder: a header row, then one row a record, quoted as RFC 4180 by csv-stringify (of
// the family of the csv-parse that readCsv uses), so readCsv reads a part back as it was written.
import { stringify } from "csv-stringify/sync";
import type { SinkFormat } from "../../protocol/sinks.ts";
import type { PartEncoder } from "./part-encoders.ts";

/** Rows stringified at once: csv-stringify's cost per call is paid per batch, and a batch is small. */
const batchRows = 512;

type Cell = string | null;

export class CsvEncoder implements PartEncoder {
  readonly #options: Parameters<typeof stringify>[1];
  /** The part's columns: the first record's fields, in its order. */
  #columns: readonly string[] | undefined;
  #rows: Cell[][] = [];
  #text: string[] = [];

  constructor(format: SinkFormat & { type: "csv" }) {
    // An empty text is quoted (`""`) and a null left empty, as Spark writes them; `\n` ends a row.
    this.#options = { delimiter: format.delimiter, quoted_match: /^$/, record_delimiter: "\n" };
  }

  write(record: unknown): void {
    if (typeof record !== "object" || record === null || Array.isArray(record))
      throw new TypeError(
        `writeCsv writes objects, one a row, and this item is ${Array.isArray(record) ? "an array" : record === null ? "null" : `a ${typeof record}`}`,
      );
    const fields = record as Record<string, unknown>;
    const columns = this.#columns ?? Object.keys(fields);
    if (columns.length === 0) throw new TypeError("writeCsv cannot write a record with no fields");
    const keys = Object.keys(fields);
    if (keys.length !== columns.length || !columns.every((column) => Object.hasOwn(fields, column)))
      throw new TypeError(
        `writeCsv writes records with the same fields, and this one has ${keys.join(", ")} where the part's first has ${columns.join(", ")}: give every record the same fields (null for a missing value)`,
      );
    const row = columns.map((column) => cell(column, fields[column]));
    // The header comes from the first record written whole, so a record set aside sets no columns.
    if (this.#columns === undefined) {
      this.#columns = columns;
      this.#text.push(stringify([columns], this.#options));
    }
    // A row of one empty value would be a blank line, which readers skip: it is written quoted.
    if (row.length === 1 && row[0] === null) row[0] = "";
    this.#rows.push(row);
    if (this.#rows.length >= batchRows) this.#stringifyRows();
  }

  take(): string | undefined {
    this.#stringifyRows();
    if (this.#text.length === 0) return undefined;
    const text = this.#text.join("");
    this.#text = [];
    return text;
  }

  end(): undefined {
    return undefined;
  }

  /** Readers take a CSV dataset's columns from one header (Spark and Dask from the first file's): every part must have the same. */
  schema(): string | undefined {
    return this.#columns && `the fields ${this.#columns.join(", ")}`;
  }

  #stringifyRows(): void {
    if (this.#rows.length === 0) return;
    this.#text.push(stringify(this.#rows, this.#options));
    this.#rows = [];
  }
}

/** A field's value as its text in the file: CSV has text only, so what reads back is text (or empty for null). */
function cell(column: string, value: unknown): Cell {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
    case "bigint":
    case "boolean":
      return String(value);
    case "undefined":
      return null;
    default:
      if (value === null) return null;
      if (value instanceof Date) return value.toISOString();
      throw new TypeError(
        `writeCsv cannot write the field "${column}": it is ${Array.isArray(value) ? "an array" : `a ${typeof value === "object" ? "nested object" : typeof value}`}, and a CSV field holds a text, a number, a boolean, a date or null (map it to one, or use writeJson)`,
      );
  }
}
