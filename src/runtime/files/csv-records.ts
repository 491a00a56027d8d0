// The records of a CSV range. Lines without a quote character are split at the delimiter here, which
// reads them as csv-parse does; from a range's first line with a quote on, csv-parse reads the rest.
// csv-parse's own `columns` and `info` options cost more than its parsing (a defineProperty per field,
// an info object per record), and its stream hands records out one at a time: so the parser here
// returns arrays and gathers them, each with the line it ended on (csv-parse's `info.lines` as it
// emits it), into batches that travel through the stream whole. Either way, the records are made
// from the arrays, and checked against the header, by recordsOf.
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

/**
 * The records of a range as objects keyed by `columns`; `true`: the range's first record names them.
 * Lines without a quote character are records whose fields are the text between delimiters, exactly
 * as csv-parse reads them, and splitting them is several times faster than parsing: so the range is
 * split line by line until the first line that holds a quote, and csv-parse reads it from there on.
 */
export async function* csvRecords(
  blocks: AsyncIterable<Buffer>,
  delimiter: string,
  columns: true | string[],
): AsyncGenerator<RangeRead> {
  const source = blocks[Symbol.asyncIterator]();
  // A reader that stops early (a failed or cancelled chunk) ends the source, which closes the file.
  try {
    yield* splitThenParsed(source, delimiter, columns === true ? undefined : columns);
  } finally {
    await source.return?.();
  }
}

/** The records of `source`: lines split until the first quote, then csv-parse's; `columns` undefined: the first names them. */
async function* splitThenParsed(
  source: AsyncIterator<Buffer>,
  delimiter: string,
  columns: readonly string[] | undefined,
): AsyncGenerator<RangeRead> {
  let names = columns;
  /** Lines of the range read so far. */
  let before = 0;
  /** The start of a line that runs past the blocks read so far. */
  let carry: Buffer[] = [];
  for (let next = await source.next(); !next.done; next = await source.next()) {
    const block = next.value;
    const quoteAt = block.indexOf(quote);
    // The whole lines before the one that holds the first quote, or before the block's last line.
    const end = quoteAt < 0 ? block.lastIndexOf(newline) + 1 : block.lastIndexOf(newline, quoteAt) + 1;
    if (end > 0) {
      const texts = linesOf(carry, block, end, before === 0);
      carry = [];
      let k = 0;
      if (names === undefined) {
        // The header: the first line that is not empty.
        while (k < texts.length && texts[k] === "") k++;
        if (k < texts.length) names = texts[k++]!.split(delimiter);
      }
      if (names !== undefined) {
        const first = before + 1;
        // An empty line is no record (csv-parse's skip_empty_lines), though it is a line.
        const row = (at: number) => (texts[at] === "" ? undefined : texts[at]!.split(delimiter));
        const rows = { from: k, to: texts.length, row };
        yield* recordsOf(rows, (at) => first + at, names, delimiter);
      }
      before += texts.length;
    }
    if (quoteAt >= 0) {
      yield* parsedRecords(rest([...carry, block.subarray(end)], source), delimiter, names, before);
      return;
    }
    carry.push(block.subarray(end));
  }
  // A last line with no newline after it.
  if (carry.some((part) => part.length > 0)) {
    yield* parsedRecords(rest(carry, source), delimiter, names, before);
  }
}

const newline = 0x0a;
const carriageReturn = 0x0d;
const quote = 0x22;
const byteOrderMark = "\uFEFF";

/**
 * The lines of `carry` then `block` up to `end`, which follows a newline: without it, and without a
 * "\r" before it ("\r\n" and "\n" both end a record). The first line of a range loses a byte-order
 * mark, as csv-parse's `bom` drops it.
 */
function linesOf(carry: Buffer[], block: Buffer, end: number, rangeStart: boolean): string[] {
  const lines: string[] = [];
  let start = 0;
  for (let at = block.indexOf(newline); at >= 0 && at < end; at = block.indexOf(newline, start)) {
    const stop = at > start && block[at - 1] === carriageReturn ? at - 1 : at;
    if (lines.length === 0 && carry.length > 0) {
      const whole = Buffer.concat([...carry, block.subarray(0, at)]);
      const last =
        whole.length > 0 && whole[whole.length - 1] === carriageReturn ? whole.length - 1 : whole.length;
      lines.push(whole.toString("utf8", 0, last));
    } else lines.push(block.toString("utf8", start, stop));
    start = at + 1;
  }
  if (rangeStart && lines[0]?.startsWith(byteOrderMark)) lines[0] = lines[0].slice(1);
  return lines;
}

/** `head`, then the rest of `source`. */
async function* rest(head: Buffer[], source: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  yield* head;
  for (let next = await source.next(); !next.done; next = await source.next()) yield next.value;
}

/** The records of `bytes` as csv-parse reads them, their lines counted on from `before`. */
async function* parsedRecords(
  bytes: AsyncIterable<Buffer>,
  delimiter: string,
  columns: readonly string[] | undefined,
  before: number,
): AsyncGenerator<RangeRead> {
  const parser = piped(Readable.from(bytes), new BatchingParser(delimiter));
  let names = columns;
  for await (const read of parser as AsyncIterable<ParsedRead>) {
    if ("bad" in read) {
      yield { bad: { ...read.bad, line: before + read.bad.line } };
      continue;
    }
    const { rows, lines } = read;
    let from = 0;
    if (names === undefined) names = rows[from++]!;
    const all = { from, to: rows.length, row: (k: number) => rows[k]! };
    yield* recordsOf(all, (k) => before + lines[k]!, names, delimiter);
  }
}

/** Rows `from` up to `to`, each made by `row(k)` (undefined: no record), one by one as their batch is. */
interface Rows {
  readonly from: number;
  readonly to: number;
  readonly row: (k: number) => string[] | undefined;
}

/** Objects of the rows as long as the header, in batches; each of the others is a bad record, in its place. */
function* recordsOf(
  rows: Rows,
  line: (k: number) => number,
  names: readonly string[],
  delimiter: string,
): Generator<RangeRead> {
  const build = recordBuilder(names);
  let items: unknown[] = [];
  let numbers: number[] = [];
  for (let k = rows.from; k < rows.to; k++) {
    const row = rows.row(k);
    if (row === undefined) continue;
    if (row.length === names.length) {
      items.push(build(row));
      numbers.push(line(k));
      if (items.length < csvBatch) continue;
    }
    if (items.length > 0) yield { batch: batchOf(items, numbers) };
    items = [];
    numbers = [];
    if (row.length === names.length) continue;
    // csv-parse's own words for it, as with its `columns` option, less the line: counted from the
    // range's start, it would contradict the file's line that the failure names.
    const error = new Error(`Invalid Record Length: columns length is ${names.length}, got ${row.length}`);
    yield { bad: { reader, line: line(k), text: row.join(delimiter), error } };
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
