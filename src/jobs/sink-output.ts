// Where a sink's chunks go, by Spark's commit protocol: each attempt at a chunk writes its parts
// under `<dir>/_temporary/<token>/<attempt>/`; the pool notes the attempt it accepts for each chunk,
// and only once the whole job has succeeded moves their parts into place, removes
// `_temporary/<token>` with whatever other attempts left there, and writes `_SUCCESS` last, so a
// reader knows the dataset is whole. A job that fails or is cancelled leaves no part in view and no
// `_SUCCESS`, and removes its `_temporary/<token>`.
import { randomBytes } from "node:crypto";
import { mkdir, readdir, rename, rm, rmdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve as resolvePath } from "node:path";
import { OptionError } from "../errors.ts";
import type { Terminal } from "../protocol/plan.ts";
import {
  isAttemptFolder,
  isPartPath,
  temporaryFolder,
  type SinkFormat,
  type WrittenPart,
} from "../protocol/sinks.ts";
import type { Output } from "./collection-job.ts";

/** What a sink wrote: its part files, and what is in them. */
export interface WriteSummary {
  readonly directory: string;
  /**
   * The part files, as paths under `directory` (`part-00000-<token>.ndjson`, or under partitionBy
   * `kind=a/part-00000-<token>.ndjson`), in name order: the collection's order within each folder.
   */
  readonly files: readonly string[];
  /** Records written. */
  readonly records: number;
  readonly bytes: number;
}

/** The marker written after the last part, named as Spark and Hadoop name it. */
export const successMarker = "_SUCCESS";

/**
 * A sink into `directory` (made if need be, refused if it holds a dataset): the terminal its
 * workers run, and its output.
 */
export async function openSink(
  directory: string,
  format: SinkFormat,
  partitionBy: readonly string[] | undefined,
): Promise<{ terminal: Terminal; output: Output; result: Promise<WriteSummary> }> {
  const absolute = resolvePath(directory);
  await prepareSinkDirectory(absolute);
  // Names this run's parts and its temporary folder, so two runs never meet.
  const token = randomBytes(8).toString("hex");
  // Made here, and only here: a worker makes its attempt's folder inside it, never it, so an attempt
  // that outlives its job cannot bring it back.
  await mkdir(join(absolute, temporaryFolder, token), { recursive: true });
  return {
    terminal: { op: "write", format, directory: absolute, token, ...(partitionBy && { partitionBy }) },
    ...sinkOutput(absolute, token),
  };
}

/**
 * Makes `directory` if it does not exist, and refuses one that already holds a dataset: parts of two
 * runs mixed in one directory would read back as one collection.
 */
async function prepareSinkDirectory(directory: string): Promise<void> {
  await mkdir(directory, { recursive: true });
  const taken = (await readdir(directory, { withFileTypes: true })).find(
    (entry) =>
      entry.name === successMarker ||
      entry.name.startsWith("part-") ||
      (entry.isDirectory() && /^[^._][^=]*=/.test(entry.name)),
  );
  if (taken !== undefined) {
    throw new OptionError(
      `${directory} already holds a dataset (${taken.name}): remove it, or write to another directory`,
    );
  }
}

/** The output of a sink job with `token` writing into `directory`, and the summary it resolves with. */
function sinkOutput(directory: string, token: string): { output: Output; result: Promise<WriteSummary> } {
  let resolve!: (summary: WriteSummary) => void;
  let reject!: (error: Error) => void;
  const result = new Promise<WriteSummary>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const temporary = join(directory, temporaryFolder, token);
  /** The attempt accepted for each chunk that wrote anything. */
  const accepted: WrittenPart[] = [];
  /** Parts moved into view, and partition folders made, by a commit: a commit that fails takes them back. */
  const moved: string[] = [];
  const folders: string[] = [];
  /** What the first part accepted says every part must agree on. */
  let schema: string | undefined;

  const attemptOf = (part: WrittenPart): string | undefined =>
    part.attempt !== undefined && isAttemptFolder(part.attempt) ? join(temporary, part.attempt) : undefined;

  /** The job's temporary folder, with every attempt in it, and `_temporary` itself once no other job's is in it. */
  const removeTemporary = async () => {
    await rm(temporary, { recursive: true, force: true, maxRetries: 3 });
    await rmdir(join(directory, temporaryFolder)).catch(() => {});
  };

  /** Moves the accepted parts into place, then writes `_SUCCESS`. */
  const commit = async (): Promise<WriteSummary> => {
    const files = accepted.flatMap((part) => part.files.map((file) => ({ part, file })));
    for (const folder of new Set(files.map(({ file }) => dirname(file.path)))) {
      if (folder === ".") continue;
      const path = join(directory, folder);
      if ((await mkdir(path, { recursive: true })) !== undefined) folders.push(path);
    }
    await Promise.all(
      files.map(async ({ part, file }) => {
        const to = join(directory, file.path);
        await rename(join(attemptOf(part)!, file.path), to);
        moved.push(to);
      }),
    );
    await removeTemporary();
    await writeFile(join(directory, successMarker), "");
    return {
      directory,
      files: files.map(({ file }) => file.path).sort(),
      records: files.reduce((sum, { file }) => sum + file.records, 0),
      bytes: files.reduce((sum, { file }) => sum + file.bytes, 0),
    };
  };

  /**
   * Removes what a commit moved into view and the job's temporary folder: a failed job leaves no
   * part behind. Never rejects: the job's own error is the one to report.
   */
  const takeBack = async (): Promise<void> => {
    await Promise.allSettled(moved.map((path) => rm(path, { force: true })));
    // The partition folders a commit made, each with its parents while nothing else is in them.
    for (const folder of folders) await removeEmptyFolders(folder, directory);
    await removeTemporary().catch(() => {});
  };

  const output: Output = {
    add(partial) {
      const part = partial as WrittenPart;
      if (part.attempt === undefined) return;
      if (attemptOf(part) === undefined || !part.files.every((file) => isPartPath(file.path, token)))
        throw new Error(`internal: ${part.attempt} is not an attempt of this job's sink`);
      for (const file of part.files) {
        if (file.schema === undefined) continue;
        schema ??= file.schema;
        // Readers take a dataset's columns from one part: parts that differ would read back wrong.
        if (file.schema !== schema)
          throw new Error(
            `the parts of one dataset must have the same fields, and this chunk's part has ${file.schema} where an earlier one has ${schema}: give every record the same fields (null for a missing value)`,
          );
      }
      accepted.push(part);
    },
    finish() {
      void commit().then(resolve, async (error: unknown) => {
        await takeBack();
        reject(error as Error);
      });
    },
    fail(error) {
      void takeBack().then(() => reject(error));
    },
    discard(partial) {
      const attempt = attemptOf(partial as WrittenPart);
      if (attempt !== undefined) void rm(attempt, { recursive: true, force: true }).catch(() => {});
    },
  };
  return { output, result };
}

/** Removes `folder` and its parents up to `top` (not included) while they are empty. */
async function removeEmptyFolders(folder: string, top: string): Promise<void> {
  for (let at = folder; at !== top && at.startsWith(top); at = dirname(at)) {
    try {
      await rmdir(at);
    } catch {
      return;
    }
  }
}
