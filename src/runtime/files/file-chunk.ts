// Runs a chunk of file ranges: each range's items go through the chunk's loop in batches as they
// are read, so a range is never held whole; a line that cannot be parsed, or a file that cannot be
// read, fails like an item whose task threw, with the file and line in its place.
import type { FileFormat, FileRange, LineFormat } from "../../protocol/files.ts";
import type { Chunk, ItemFailure } from "../../protocol/plan.ts";
import { preview, serializeError } from "../../protocol/serialized-errors.ts";
import type { ItemLoop } from "../item-loop.ts";
import { linesBefore } from "./range-bytes.ts";
import { rangeRecords } from "./records.ts";

/** What reading a range is called in errors, like a task: the pool method that read it. */
const readerOf: Record<FileFormat["type"], string> = {
  lines: "reading the file (readLines)",
  json: "reading the file (readJson)",
  csv: "reading the file (readCsv)",
  parquet: "reading the file (readParquet)",
};

/**
 * Runs every range of the chunk through `loop`, calling `afterBatch` after each batch (a sink
 * writes what the batch produced, and says if it could not). Resolves with the failure that ends
 * the chunk, if any.
 */
export async function runFileChunk(
  loop: ItemLoop,
  chunk: Chunk,
  format: FileFormat,
  ranges: readonly FileRange[],
  afterBatch: () => Promise<ItemFailure | undefined>,
): Promise<ItemFailure | undefined> {
  // A Parquet file is read by row group, not by line: its module is loaded only when one is read.
  if (format.type === "parquet")
    return (await import("./parquet-chunk.ts")).runParquetChunk(loop, chunk, format, ranges, afterBatch);
  for (let r = 0; r < ranges.length; r++) {
    const failure = await runRange(loop, chunk.start + r, ranges[r]!, format, afterBatch);
    if (failure) return failure;
  }
  return undefined;
}

async function runRange(
  loop: ItemLoop,
  index: number,
  range: FileRange,
  format: LineFormat,
  afterBatch: () => Promise<ItemFailure | undefined>,
): Promise<ItemFailure | undefined> {
  const file = range.path;
  let counted: Promise<number> | undefined;
  let from = 0;
  // Line numbers count from the range's first line; the lines above it are counted (by reading the
  // file up to it) only when an error needs an absolute number, and then once per range.
  const lineAt = async (relative: number) => (await (counted ??= linesBefore(file, from))) + relative;
  try {
    const opened = await rangeRecords(range, format);
    from = opened.from;
    for await (const read of opened.reads) {
      if ("bad" in read) {
        const { reader, line, text, error } = read.bad;
        const where = { index, preview: preview(text), file, line: await lineAt(line) };
        const failure: ItemFailure = {
          task: reader,
          ...where,
          error: serializeError(hint(error, range, format)),
        };
        if (loop.endsChunk(failure)) return failure;
        continue;
      }
      const { items, line } = read.batch;
      const failure = await loop.run({ kind: "items", items }, async (k) => ({
        index,
        preview: preview(items[k]),
        file,
        line: await lineAt(line(k)),
      }));
      if (failure) return failure;
      const unwritten = await afterBatch();
      if (unwritten) return unwritten;
    }
  } catch (error) {
    // The range could not be read: the file is gone or unreadable, or a gzip stream is corrupt.
    const failure: ItemFailure = {
      task: readerOf[format.type],
      index,
      preview: `bytes ${range.start}..${range.end}`,
      file,
      error: serializeError(error),
    };
    if (loop.endsChunk(failure)) return failure;
  }
  return undefined;
}

/**
 * A CSV record that fails to parse in a file split into ranges is most often a quoted field with a
 * line break in it, cut at a range's boundary: the message says what to do.
 */
function hint(error: unknown, range: FileRange, format: LineFormat): unknown {
  if (format.type !== "csv" || !format.split || range.gzip || !(error instanceof Error)) return error;
  const hinted = new Error(
    `${error.message} (if quoted fields hold line breaks, read the file with readCsv(paths, { split: false }))`,
  );
  hinted.name = error.name;
  hinted.stack = error.stack;
  return hinted;
}
