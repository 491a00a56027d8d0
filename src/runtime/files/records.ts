// The items of one file range in each format: lines, NDJSON values or CSV records, each with the
// line it came from (counted from the range's first line), and the lines that could not be parsed.
import { Readable } from "node:stream";
import type { FileRange, LineFormat, PartitionFields } from "../../protocol/files.ts";
import { lineBatches } from "./lines.ts";
import { piped, rangeBytes } from "./range-bytes.ts";

/** Items read from a range, in order; `line(k)` is item k's line, from 1 at the range's first line. */
export interface RecordBatch {
  readonly items: unknown[];
  readonly line: (offset: number) => number;
}

/** A line (or CSV record) that could not be parsed: it fails like an item whose task threw. */
export interface BadRecord {
  /** What failed, named like a task in error messages. */
  readonly reader: string;
  readonly line: number;
  readonly text: string;
  readonly error: unknown;
}

export type RangeRead = { readonly batch: RecordBatch } | { readonly bad: BadRecord };

/** Where the range's lines start in the file, and its items; the file is opened by `rangeRecords`. */
export async function rangeRecords(
  range: FileRange,
  format: LineFormat,
): Promise<{ from: number; reads: AsyncGenerator<RangeRead> }> {
  const { from, blocks } = await rangeBytes(range);
  switch (format.type) {
    case "lines":
      return { from, reads: lineRecords(blocks) };
    case "json":
      return { from, reads: withFields(jsonRecords(blocks), range.fields) };
    case "csv": {
      // Only a range that starts at the top of its file sees the header; the others read it for themselves.
      const columns = from === 0 ? true : await csvHeader(range.path, format.delimiter);
      return { from, reads: withFields(csvRecords(blocks, format.delimiter, columns), range.fields) };
    }
  }
}

/**
 * The records with the fields of their file's partition folders added, as Spark and Dask add them;
 * the folder's value wins over a field of the same name in the record. A value that is not an object
 * has no fields to take: it is a bad record of a partitioned dataset.
 */
async function* withFields(
  reads: AsyncGenerator<RangeRead>,
  fields: PartitionFields | undefined,
): AsyncGenerator<RangeRead> {
  if (fields === undefined) {
    yield* reads;
    return;
  }
  for await (const read of reads) {
    if ("bad" in read) {
      yield read;
      continue;
    }
    const { items, line } = read.batch;
    const isRecord = (item: unknown) => typeof item === "object" && item !== null && !Array.isArray(item);
    if (items.every(isRecord)) {
      yield { batch: { items: items.map((item) => ({ ...(item as object), ...fields })), line } };
      continue;
    }
    let taken: unknown[] = [];
    let lines: number[] = [];
    for (let k = 0; k < items.length; k++) {
      const item = items[k];
      if (isRecord(item)) {
        taken.push({ ...(item as object), ...fields });
        lines.push(line(k));
        continue;
      }
      // The records before it go first, as a parse failure lets them.
      if (taken.length > 0) yield { batch: batchOf(taken, lines) };
      taken = [];
      lines = [];
      const names = Object.keys(fields).join(", ");
      const error = new TypeError(
        `a record in a key=value partition folder must be a JSON object to take the folder's fields (${names})`,
      );
      yield { bad: { reader: "readJson", line: line(k), text: JSON.stringify(item) ?? String(item), error } };
    }
    if (taken.length > 0) yield { batch: batchOf(taken, lines) };
  }
}

async function* lineRecords(blocks: AsyncIterable<Buffer>): AsyncGenerator<RangeRead> {
  let before = 0;
  for await (const lines of lineBatches(blocks)) {
    const first = before + 1;
    yield { batch: { items: lines, line: (k) => first + k } };
    before += lines.length;
  }
}

async function* jsonRecords(blocks: AsyncIterable<Buffer>): AsyncGenerator<RangeRead> {
  let line = 0;
  for await (const lines of lineBatches(blocks)) {
    let items: unknown[] = [];
    let numbers: number[] = [];
    for (const text of lines) {
      line++;
      // NDJSON writers often end with a blank line; blank lines carry no value.
      if (text.trim() === "") continue;
      try {
        items.push(JSON.parse(text));
        numbers.push(line);
      } catch (error) {
        // The values before the bad line go first, so failures and values keep file order.
        if (items.length > 0) yield { batch: batchOf(items, numbers) };
        items = [];
        numbers = [];
        yield { bad: { reader: "JSON.parse (readJson)", line, text, error } };
      }
    }
    if (items.length > 0) yield { batch: batchOf(items, numbers) };
  }
}

function batchOf(items: unknown[], lines: readonly number[]): RecordBatch {
  return { items, line: (k) => lines[k]! };
}

/** CSV records with at most this many in one batch, so a large range is processed as it is parsed. */
const csvBatch = 4096;

/**
 * Options shared by every range of a CSV file, and by the tests' whole-file reference: both "\r\n"
 * and "\n" end a record (left to detection, a range could guess differently from its neighbour),
 * empty lines are skipped, a byte-order mark is dropped.
 */
export function csvOptions(delimiter: string) {
  return { delimiter, record_delimiter: ["\r\n", "\n"], skip_empty_lines: true, bom: true };
}

async function* csvRecords(
  blocks: AsyncIterable<Buffer>,
  delimiter: string,
  columns: true | string[],
): AsyncGenerator<RangeRead> {
  // Loaded on the first CSV range: a worker that reads no CSV never loads the parser.
  const { parse } = await import("csv-parse");
  const bad: BadRecord[] = [];
  const parser = parse({
    ...csvOptions(delimiter),
    columns,
    info: true,
    // A bad record is reported and skipped, not the end of the stream: under `errors: "collect"` the
    // job goes on with the next record.
    skip_records_with_error: true,
    on_skip: (error, raw) => {
      bad.push({ reader: "csv-parse (readCsv)", line: lineOf(error), text: raw ?? "", error });
      return undefined;
    },
  });
  piped(Readable.from(blocks), parser);
  let items: unknown[] = [];
  let numbers: number[] = [];
  // The parser reports bad records as it meets them, ahead of the good ones still buffered: each
  // goes out before the first good record that comes after it in the file.
  const flush = function* (before: number): Generator<RangeRead> {
    if (!bad.some((b) => b.line < before)) return;
    if (items.length > 0) yield { batch: batchOf(items, numbers) };
    items = [];
    numbers = [];
    while (bad.length > 0 && bad[0]!.line < before) yield { bad: bad.shift()! };
  };
  for await (const { record, info } of parser as AsyncIterable<{
    record: unknown;
    info: { lines: number };
  }>) {
    yield* flush(info.lines);
    items.push(record);
    numbers.push(info.lines);
    if (items.length >= csvBatch) {
      yield { batch: batchOf(items, numbers) };
      items = [];
      numbers = [];
    }
  }
  yield* flush(Infinity);
  if (items.length > 0) yield { batch: batchOf(items, numbers) };
}

function lineOf(error: unknown): number {
  const lines = (error as { lines?: unknown } | undefined)?.lines;
  return typeof lines === "number" ? lines : 0;
}

/** A CSV file's column names: its first record, read by a worker whose range starts further down. */
async function csvHeader(path: string, delimiter: string): Promise<string[]> {
  const { parse } = await import("csv-parse");
  const parser = parse({ ...csvOptions(delimiter), to_line: 1 });
  const { blocks } = await rangeBytes({ path, start: 0, end: 1, gzip: false });
  piped(Readable.from(blocks), parser);
  for await (const record of parser as AsyncIterable<string[]>) return record;
  throw new Error(`${path} has no header row`);
}
