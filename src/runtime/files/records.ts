// The items of one file range in each format: lines, NDJSON values or CSV records, each with the
// line it came from (counted from the range's first line), and the lines that could not be parsed.
import type { FileRange, LineFormat, PartitionFields } from "../../protocol/files.ts";
import { lineBatches } from "./lines.ts";
import { rangeBytes } from "./range-bytes.ts";
import { batchOf, type RangeRead } from "./range-read.ts";

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
      // Loaded on the first CSV range: a worker that reads no CSV never loads the parser.
      const { csvHeader, csvRecords } = await import("./csv-records.ts");
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
