// Plans a Parquet source on the calling thread: finds the files as the line readers do, reads each
// one's footer (its metadata, at the file's end; never its data) and makes each row group a unit
// of work, the unit Spark and Dask split Parquet at. The workers read the row groups
// (src/runtime/files/parquet-chunk.ts).
import { asyncBufferFromFile, parquetMetadataAsync, parquetSchema, type FileMetaData } from "hyparquet";
import { OptionError } from "../errors.ts";
import type { FileRange, PartitionFields } from "../protocol/files.ts";
import { planRanges } from "./file-plan.ts";

export interface RowGroupPlan {
  readonly workers: number;
  readonly keepPartition?: ((fields: PartitionFields) => boolean) | undefined;
  /** The columns asked for (a partition folder's field may be one); undefined for all. */
  readonly columns?: readonly string[] | undefined;
}

/** Footers read at once: enough to hide each read's wait, few enough not to hold many files open. */
const footersAtOnce = 16;

/** Every row group of the files `paths` names, in file order, as ranges of their files. */
export async function planRowGroups(
  paths: string | readonly string[],
  plan: RowGroupPlan,
): Promise<FileRange[]> {
  const files = await planRanges(paths, {
    rangeBytes: undefined,
    split: false,
    workers: plan.workers,
    keepPartition: plan.keepPartition,
  });
  const planned: FileRange[][] = [];
  for (let at = 0; at < files.length; at += footersAtOnce) {
    const some = files.slice(at, at + footersAtOnce);
    planned.push(...(await Promise.all(some.map((file) => rowGroupsOf(file, plan.columns)))));
  }
  return planned.flat();
}

async function rowGroupsOf(file: FileRange, columns: readonly string[] | undefined): Promise<FileRange[]> {
  const { path } = file;
  const metadata = await footer(path);
  const fields = columns && file.fields ? pick(file.fields, columns) : file.fields;
  if (columns) {
    const names = parquetSchema(metadata).children.map((column) => column.element.name);
    const missing = columns.find((name) => !names.includes(name) && !(file.fields && name in file.fields));
    if (missing !== undefined)
      throw new OptionError(`${path} has no column ${missing}: its columns are ${names.join(", ")}`);
  }
  return metadata.row_groups.flatMap((group, rowGroup) => {
    if (Number(group.num_rows) === 0) return [];
    // The bytes its column chunks lie in, each from its dictionary page (if any) on.
    let start = Infinity;
    let end = 0;
    for (const { meta_data: chunk } of group.columns) {
      if (!chunk) continue;
      const from = Number(chunk.dictionary_page_offset || chunk.data_page_offset);
      start = Math.min(start, from);
      end = Math.max(end, from + Number(chunk.total_compressed_size));
    }
    return [{ path, start: Math.min(start, end), end, gzip: false, rowGroup, ...(fields && { fields }) }];
  });
}

/** A file's metadata, read from its footer alone: its last 8 bytes give the footer's length, then the footer. */
async function footer(path: string): Promise<FileMetaData> {
  try {
    return await parquetMetadataAsync(await asyncBufferFromFile(path), { initialFetchSize: 8 });
  } catch (error) {
    throw new OptionError(
      `cannot read ${path} as Parquet (${(error as Error).message}): give only Parquet files, or a directory of them`,
      { cause: error },
    );
  }
}

function pick(fields: PartitionFields, names: readonly string[]): PartitionFields | undefined {
  const kept = Object.entries(fields).filter(([name]) => names.includes(name));
  return kept.length > 0 ? Object.fromEntries(kept) : undefined;
}
