// Plans a file source on the calling thread: finds the files (a path, a list, a glob or a
// directory), stats them and cuts them into byte ranges. It never reads their contents: the
// workers do, each from its own range (src/runtime/files).
import { glob, readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { OptionError } from "../errors.ts";
import type { FileRange, PartitionFields } from "../protocol/files.ts";
import { tailSplit } from "../scheduler/chunking.ts";

/** How a source's files are cut. */
export interface RangePlan {
  /** Bytes per range; undefined picks it from the input's size and `workers`. */
  readonly rangeBytes: number | undefined;
  /** False reads each file as one range (for CSV whose quoted fields hold line breaks). */
  readonly split: boolean;
  readonly workers: number;
  /** Which partitions of a `key=value` layout to read; the files of the others are never opened. */
  readonly keepPartition?: ((fields: PartitionFields) => boolean) | undefined;
}

/** Ranges below this cost more to open and seek than to read. */
const minRangeBytes = 64 * 1024;
/** A range's lines are in a worker's memory a block at a time; this bounds the work lost to a retry. */
const maxRangeBytes = 4 * 1024 * 1024;

/** The files `paths` names, in order, cut into ranges. */
export async function planRanges(paths: string | readonly string[], plan: RangePlan): Promise<FileRange[]> {
  const found = await findFiles(typeof paths === "string" ? [paths] : paths);
  const { keepPartition } = plan;
  const sized = keepPartition ? found.filter((f) => keepPartition(f.fields ?? {})) : found;
  const splittable = sized.filter((f) => plan.split && !isGzip(f.path));
  const bytes =
    plan.rangeBytes ??
    defaultRangeBytes(
      splittable.reduce((sum, f) => sum + f.size, 0),
      plan.workers,
    );
  return sized.flatMap(({ path, size, fields }) => {
    if (size === 0) return [];
    const gzip = isGzip(path);
    const file = { path, gzip, ...(fields && { fields }) };
    if (gzip || !plan.split) return [{ ...file, start: 0, end: size }];
    // Equal ranges rather than full ones and a short last: every range costs about the same.
    const count = Math.ceil(size / bytes);
    return Array.from({ length: count }, (_, k) => ({
      ...file,
      start: Math.round((k * size) / count),
      end: Math.round(((k + 1) * size) / count),
    }));
  });
}

/**
 * The scheduler balances the end of a job by handing out ever smaller shares of what is left, down
 * to one item: here a range. So ranges are cut small enough that the last share of each worker
 * (1/`tailSplit` of its part) is still a range or more, within bounds that keep a range worth its
 * open and its retry cheap.
 */
function defaultRangeBytes(totalBytes: number, workers: number): number {
  const share = Math.ceil(totalBytes / (Math.max(1, workers) * tailSplit));
  return Math.min(maxRangeBytes, Math.max(minRangeBytes, share));
}

const isGzip = (path: string) => path.endsWith(".gz");
const isGlob = (path: string) => /[*?[\]{}]/.test(path);
/** Names a dataset's readers skip: Spark's `_SUCCESS`, and hidden or temporary files. */
const isHidden = (name: string) => name.startsWith(".") || name.startsWith("_");

interface Found {
  readonly path: string;
  readonly size: number;
  /** From the `key=value` folders between the directory named and the file; undefined if none. */
  readonly fields?: PartitionFields;
}

/** The files each entry names (itself, what a glob matches, or a directory's files), by absolute path, with their sizes. */
async function findFiles(entries: readonly string[]): Promise<Found[]> {
  if (entries.length === 0) throw new OptionError("no files given: pass a path, a list of paths or a glob");
  const found: Found[] = [];
  for (const entry of entries) {
    if (typeof entry !== "string") throw new OptionError(`a path must be a string, got ${typeof entry}`);
    if (isGlob(entry)) {
      // Sorted: a glob's order is the file system's, and a dataset's order is its names'.
      const matches: string[] = [];
      for await (const match of glob(entry)) matches.push(resolve(match));
      const files = await filesOnly(matches.sort());
      if (files.length === 0) throw new OptionError(`no file matches ${entry}`);
      found.push(...files);
      continue;
    }
    const path = resolve(entry);
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
      throw new OptionError(
        `cannot read ${entry}: ${error.code === "ENOENT" ? "no such file" : error.message}`,
        {
          cause: error,
        },
      );
    });
    if (!info.isDirectory()) {
      found.push({ path, size: info.size });
      continue;
    }
    found.push(...(await datasetFiles(path, undefined)));
  }
  return found;
}

/**
 * A dataset directory's files, in name order, down through its folders: those named `key=value`
 * (Hive's partitions, as Spark and Dask write them) add a field to every file below them.
 */
async function datasetFiles(directory: string, fields: PartitionFields | undefined): Promise<Found[]> {
  const entries = (await readdir(directory, { withFileTypes: true }))
    .filter((entry) => !isHidden(entry.name))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const found = await Promise.all(
    entries.map(async (entry): Promise<Found[]> => {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) {
        const field = partitionField(entry.name);
        return datasetFiles(path, field ? { ...fields, ...field } : fields);
      }
      if (!entry.isFile()) return [];
      return [{ path, size: (await stat(path)).size, ...(fields && { fields }) }];
    }),
  );
  return found.flat();
}

/**
 * The field a `key=value` folder stands for. Values are percent-decoded, as Spark escapes them; a
 * whole number or a decimal becomes a number, as Spark and Dask infer them; Hive's
 * `__HIVE_DEFAULT_PARTITION__` (a null key) becomes null.
 */
export function partitionField(name: string): PartitionFields | undefined {
  const equals = name.indexOf("=");
  if (equals <= 0) return undefined;
  const key = decodeURIComponent(name.slice(0, equals));
  const text = decodeURIComponent(name.slice(equals + 1));
  if (text === "__HIVE_DEFAULT_PARTITION__") return { [key]: null };
  const number = /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
  // A number only if it reads back as written: 007 and 2^53 + 1 stay text, never silently changed.
  return { [key]: Number.isFinite(number) && String(number) === text ? number : text };
}

async function filesOnly(paths: readonly string[]): Promise<Found[]> {
  const infos = await Promise.all(paths.map((path) => stat(path)));
  return paths.flatMap((path, k) => (infos[k]!.isFile() ? [{ path, size: infos[k]!.size }] : []));
}
