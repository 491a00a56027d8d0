// Runs a chunk of Parquet row groups: for each, the worker reads the file's footer, then only the
// column chunks of that row group and of the columns asked for, and runs its rows through the
// chunk's loop a batch at a time. A file or row group that cannot be read fails like an item whose
// task threw, naming the file and the row group.
import {
  asyncBufferFromFile,
  parquetMetadataAsync,
  parquetRead,
  parquetSchema,
  type AsyncBuffer,
  type SchemaTree,
} from "hyparquet";
import { compressors } from "hyparquet-compressors";
import type { FileRange, ParquetFormat } from "../../protocol/files.ts";
import type { Chunk, ItemFailure } from "../../protocol/plan.ts";
import { preview, serializeError } from "../../protocol/serialized-errors.ts";
import type { ItemLoop } from "../item-loop.ts";
import { readFlatColumn, readsFlat, type DecodeOptions } from "./flat-columns.ts";
import { exactReading, timestampParsers, type ExactReading } from "./parquet-values.ts";
import { RowGroupColumns, type Page } from "./row-group-columns.ts";

/** Rows per batch through the loop, so a sink writes a row group's output as it goes. */
const batchRows = 4096;

/** A file opened for the chunk: read its footer once however many of its row groups the chunk has. */
interface OpenedFile extends ExactReading {
  readonly buffer: AsyncBuffer;
  /** The row each row group starts at, counted from the file's first. */
  readonly starts: readonly number[];
  /** Its columns' names (a partition folder's field asked for is not one of them). */
  readonly names: readonly string[];
  /** Each column's schema path from the root, by name. */
  readonly paths: ReadonlyMap<string, SchemaTree[]>;
}

export async function runParquetChunk(
  loop: ItemLoop,
  chunk: Chunk,
  format: ParquetFormat,
  ranges: readonly FileRange[],
  afterBatch: () => Promise<ItemFailure | undefined>,
): Promise<ItemFailure | undefined> {
  const files = new Map<string, Promise<OpenedFile>>();
  const open = (path: string) => {
    let opened = files.get(path);
    if (!opened) files.set(path, (opened = openFile(path)));
    return opened;
  };
  for (let r = 0; r < ranges.length; r++) {
    const range = ranges[r]!;
    const group = range.rowGroup ?? 0;
    const place = { index: chunk.start + r, file: range.path };
    let columns: RowGroupColumns;
    try {
      columns = await readRowGroup(await open(range.path), group, format);
    } catch (error) {
      const failure: ItemFailure = {
        task: "reading the file (readParquet)",
        ...place,
        preview: `row group ${group}`,
        error: serializeError(error),
      };
      if (loop.endsChunk(failure)) return failure;
      continue;
    }
    for (let at = 0; at < columns.rowCount; at += batchRows) {
      const items = columns.rows(at, Math.min(at + batchRows, columns.rowCount), range.fields);
      const failure = await loop.run({ kind: "items", items }, (k) => ({
        ...place,
        preview: `row group ${group}, row ${columns.firstRow + at + k} of the file: ${preview(items[k])}`,
      }));
      if (failure) return failure;
      const unwritten = await afterBatch();
      if (unwritten) return unwritten;
    }
  }
  return undefined;
}

async function openFile(path: string): Promise<OpenedFile> {
  const buffer = await asyncBufferFromFile(path);
  // The footer alone: hyparquet's default first read of 512 KiB would take data pages with it.
  const exact = exactReading(await parquetMetadataAsync(buffer, { initialFetchSize: footerGuess }));
  const starts: number[] = [];
  let row = 0;
  for (const group of exact.metadata.row_groups) {
    starts.push(row);
    row += Number(group.num_rows);
  }
  const root = parquetSchema(exact.metadata);
  const names = root.children.map((column) => column.element.name);
  const paths = new Map(root.children.map((column) => [column.element.name, [root, column]]));
  return { ...exact, buffer, starts, names, paths };
}

/** Bytes read from a file's end to find its footer in one read, most of the time. */
const footerGuess = 64 * 1024;

async function readRowGroup(
  file: OpenedFile,
  group: number,
  format: ParquetFormat,
): Promise<RowGroupColumns> {
  const { metadata, buffer, starts } = file;
  const count = metadata.row_groups.length;
  if (group >= count)
    throw new Error(
      `the file has ${count} row groups, not ${group + 1}: it changed after the job was planned`,
    );
  const first = starts[group]!;
  const rowCount = Number(metadata.row_groups[group]!.num_rows);
  // In the file's order, as a row's fields come.
  const names = format.columns ? file.names.filter((name) => format.columns!.includes(name)) : file.names;
  const decode: DecodeOptions = {
    compressors,
    // Only columns annotated as text are strings; other byte arrays stay bytes, as DuckDB reads them.
    utf8: false,
    parsers: timestampParsers(format.timestamps),
  };
  const pages = new Map<string, Page[]>(names.map((name) => [name, []]));
  if (names.every((name) => readsFlat(file.paths.get(name)!))) {
    const chunks = metadata.row_groups[group]!.columns.flatMap((column) => {
      if (column.file_path) throw new Error("parquet file_path not supported");
      const meta = column.meta_data;
      const name = meta?.path_in_schema[0];
      return meta && name !== undefined && pages.has(name) ? [{ name, meta }] : [];
    });
    const read = await Promise.all(
      chunks.map(({ name, meta }) => readFlatColumn(buffer, meta, file.paths.get(name)!, decode)),
    );
    chunks.forEach(({ name }, i) => pages.set(name, read[i]!));
  } else {
    await parquetRead({
      file: buffer,
      metadata,
      columns: [...names],
      rowStart: first,
      rowEnd: first + rowCount,
      ...decode,
      onChunk: ({ columnName, columnData, rowStart }) =>
        pages.get(columnName)?.push({ rowStart: rowStart - first, data: columnData }),
    });
  }
  return new RowGroupColumns(first, rowCount, names, pages, file.converters);
}
