// Plans a file source on the calling thread: finds the files (a path, a list, a glob or a
// directory), stats them and cuts them into byte ranges. It never reads their contents: the
// workers do, each from its own range (src/runtime/files).
import { glob, readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { OptionError } from "../errors.ts";
import type { FileRange } from "../protocol/files.ts";
import { tailSplit } from "../scheduler/chunking.ts";

/** How a source's files are cut. */
export interface RangePlan {
  /** Bytes per range; undefined picks it from the input's size and `workers`. */
  readonly rangeBytes: number | undefined;
  /** False reads each file as one range (for CSV whose quoted fields hold line breaks). */
  readonly split: boolean;
  readonly workers: number;
}

/** Ranges below this cost more to open and seek than to read. */
const minRangeBytes = 64 * 1024;
/** A range's lines are in a worker's memory a block at a time; this bounds the work lost to a retry. */
const maxRangeBytes = 4 * 1024 * 1024;

/** The files `paths` names, in order, cut into ranges. */
export async function planRanges(paths: string | readonly string[], plan: RangePlan): Promise<FileRange[]> {
  const sized = await findFiles(typeof paths === "string" ? [paths] : paths);
  const splittable = sized.filter((f) => plan.split && !isGzip(f.path));
  const bytes =
    plan.rangeBytes ??
    defaultRangeBytes(
      splittable.reduce((sum, f) => sum + f.size, 0),
      plan.workers,
    );
  return sized.flatMap(({ path, size }) => {
    if (size === 0) return [];
    const gzip = isGzip(path);
    if (gzip || !plan.split) return [{ path, start: 0, end: size, gzip }];
    // Equal ranges rather than full ones and a short last: every range costs about the same.
    const count = Math.ceil(size / bytes);
    return Array.from({ length: count }, (_, k) => ({
      path,
      start: Math.round((k * size) / count),
      end: Math.round(((k + 1) * size) / count),
      gzip,
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
    const names = (await readdir(path)).filter((name) => !isHidden(name)).sort();
    found.push(...(await filesOnly(names.map((name) => join(path, name)))));
  }
  return found;
}

async function filesOnly(paths: readonly string[]): Promise<Found[]> {
  const infos = await Promise.all(paths.map((path) => stat(path)));
  return paths.flatMap((path, k) => (infos[k]!.isFile() ? [{ path, size: infos[k]!.size }] : []));
}
