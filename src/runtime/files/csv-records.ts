// The records of a CSV range, parsed by csv-parse. csv-parse's own `columns` and `info` options cost
// more than its parsing: a defineProperty per field and an info object per record, and its stream
// hands records out one at a time through the async iterator. So the parser here returns arrays, and
// collects them, each with the line it ended on (csv-parse's `info.lines` as it emits it), into
// batches that travel through the stream whole; the records are made from the arrays afterwards.
import { Readable, type TransformOptions } from "node:stream";
import { Parser, type Options } from "csv-parse";
import { piped, rangeBytes } from "./range-bytes.ts";
import { batchOf, type BadRecord, type RangeRead } from "./range-read.ts";

/**
 * CSV records with at most this many in one batch, so a large range is processed as it is parsed,
 * and one batch waiting at most: records that wait long enough for a young-generation collection to
 * find them live are copied to the old generation, and collected there at far greater cost. With 16
 * batches of 4,096 waiting (the stream's default), a worker took a third longer over the same file.
 */
const csvBatch = 1024;
const reader = "csv-parse (readCsv)";

/**
 * Options shared by every range of a CSV file, and by the tests' whole-file reference: both "\r\n"
 * and "\n" end a record (left to detection, a range could guess differently from its neighbour),
 * empty lines are skipped, a byte-order mark is dropped.
 */
export function csvOptions(delimiter: string) {
  return { delimiter, record_delimiter: ["\r\n", "\n"], skip_empty_lines: true, bom: true };
}

/** What the parser emits, in file order: a batch of records as field arrays, or one it could not read. */
type ParsedRead = { readonly rows: string[][]; readonly lines: number[] } | { readonly bad: BadRecord };

/** csv-parse, its records gathered into batches as it emits them, and its skipped records in order among them. */
class BatchingParser extends Parser {
  #rows: string[][] = [];
  #lines: number[] = [];

  constructor(delimiter: string) {
    // The parser is a Transform stream, and passes these on to it.
    const options: Options & TransformOptions = {
      ...csvOptions(delimiter),
      // Record lengths are checked against the header by csvRecords: a range that starts below the
      // header has no header row of its own to check them against.
      relax_column_count: true,
      // A bad record is reported (the parser's "skip" event, as it meets it) and skipped, not the end
      // of the stream: under `errors: "collect"` the job goes on with the next record.
      skip_records_with_error: true,
      readableHighWaterMark: 1,
    };
    super(options);
    this.on("skip", (error: unknown, raw: string | undefined) => {
      this.#flush();
      super.push({ bad: { reader, line: lineOf(error), text: raw ?? "", error } } satisfies ParsedRead);
    });
  }

  override push(record: unknown, encoding?: BufferEncoding): boolean {
    if (record === null) {
      this.#flush();
      return super.push(null, encoding);
    }
    this.#rows.push(record as string[]);
    this.#lines.push(this.info.lines);
    // The parser goes on through the block it was given whatever this says; the next block waits.
    return this.#rows.length < csvBatch || this.#flush();
  }

  #flush(): boolean {
    if (this.#rows.length === 0) return true;
    const read: ParsedRead = { rows: this.#rows, lines: this.#lines };
    this.#rows = [];
    this.#lines = [];
    return super.push(read);
  }
}

/** The records of a range as objects keyed by `columns`; `true`: the range's first record names them. */
export async function* csvRecords(
  blocks: AsyncIterable<Buffer>,
  delimiter: string,
  columns: true | string[],
): AsyncGenerator<RangeRead> {
  const parser = piped(Readable.from(blocks), new BatchingParser(delimiter));
  let names = columns === true ? undefined : columns;
  for await (const read of parser as AsyncIterable<ParsedRead>) {
    if ("bad" in read) {
      yield read;
      continue;
    }
    let { rows, lines } = read;
    if (names === undefined) {
      names = rows[0]!;
      rows = rows.slice(1);
      lines = lines.slice(1);
    }
    yield* recordsOf(rows, lines, names);
  }
}

/** Objects of the rows as long as the header; each of the others is a bad record, in its place. */
function* recordsOf(rows: string[][], lines: number[], names: readonly string[]): Generator<RangeRead> {
  const build = recordBuilder(names);
  let items: unknown[] = [];
  let numbers: number[] = [];
  for (let k = 0; k < rows.length; k++) {
    const row = rows[k]!;
    if (row.length === names.length) {
      items.push(build(row));
      numbers.push(lines[k]!);
      continue;
    }
    if (items.length > 0) yield { batch: batchOf(items, numbers) };
    items = [];
    numbers = [];
    // csv-parse's own words for it, as with its `columns` option, less the line: counted from the
    // range's start, it would contradict the file's line that the failure names.
    const error = new Error(`Invalid Record Length: columns length is ${names.length}, got ${row.length}`);
    yield { bad: { reader, line: lines[k]!, text: row.join(","), error } };
  }
  if (items.length > 0) yield { batch: batchOf(items, numbers) };
}

/**
 * Makes a record of a row's fields. A later column of the same name wins, as in csv-parse; a column
 * named `__proto__` becomes a field like any other rather than the object's prototype.
 */
function recordBuilder(names: readonly string[]): (row: readonly string[]) => Record<string, string> {
  if (!names.includes("__proto__")) {
    return (row) => {
      const record: Record<string, string> = {};
      for (let i = 0; i < names.length; i++) record[names[i]!] = row[i]!;
      return record;
    };
  }
  return (row) => {
    const record: Record<string, string> = {};
    for (let i = 0; i < names.length; i++) {
      Object.defineProperty(record, names[i]!, {
        value: row[i],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return record;
  };
}

function lineOf(error: unknown): number {
  const lines = (error as { lines?: unknown } | undefined)?.lines;
  return typeof lines === "number" ? lines : 0;
}

/** A CSV file's column names: its first record, read by a worker whose range starts further down. */
export async function csvHeader(path: string, delimiter: string): Promise<string[]> {
  const parser = new Parser({ ...csvOptions(delimiter), to_line: 1 });
  const { blocks } = await rangeBytes({ path, start: 0, end: 1, gzip: false });
  piped(Readable.from(blocks), parser);
  for await (const record of parser as AsyncIterable<string[]>) return record;
  throw new Error(`${path} has no header row`);
}
