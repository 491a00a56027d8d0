// Where a sink's chunks go: each chunk's temporary file, written by its worker, is renamed to the
// chunk's part file when the pool accepts the chunk; `_SUCCESS` is written last, as Spark does, so a
// reader knows the dataset is whole. A job that fails or is cancelled takes its parts back out.
import { randomBytes } from "node:crypto";
import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { join, resolve as resolvePath } from "node:path";
import { OptionError } from "../errors.ts";
import { partName, seqOfTemp, type SinkFormat, type WrittenPart } from "../protocol/files.ts";
import type { Terminal } from "../protocol/plan.ts";
import type { Output } from "./collection-job.ts";

/** What a sink wrote: its part files in the collection's order (name order), and what is in them. */
export interface WriteSummary {
  readonly directory: string;
  readonly files: readonly string[];
  /** Items written, one line each. */
  readonly records: number;
  readonly bytes: number;
}

/** The marker written after the last part, named as Spark and Hadoop name it. */
export const successMarker = "_SUCCESS";

/** A sink into `directory` (made if need be, refused if it holds a dataset): the terminal its workers run, and its output. */
export async function openSink(
  directory: string,
  format: SinkFormat,
): Promise<{ terminal: Terminal; output: Output; result: Promise<WriteSummary> }> {
  const absolute = resolvePath(directory);
  await prepareSinkDirectory(absolute);
  // Marks this run's temporary files, so it removes what its own attempts left and nothing else.
  const token = randomBytes(6).toString("hex");
  return {
    terminal: { op: "write", format, directory: absolute, token },
    ...sinkOutput(absolute, token, format),
  };
}

/**
 * Makes `directory` if it does not exist, and refuses one that already holds a dataset: parts of two
 * runs mixed in one directory would read back as one collection.
 */
async function prepareSinkDirectory(directory: string): Promise<void> {
  await mkdir(directory, { recursive: true });
  const taken = (await readdir(directory)).find((name) => name.startsWith("part-") || name === successMarker);
  if (taken !== undefined) {
    throw new OptionError(
      `${directory} already holds a dataset (${taken}): remove it, or write to another directory`,
    );
  }
}

/** The output of a sink job with `token` writing `format` into `directory`, and the summary it resolves with. */
function sinkOutput(
  directory: string,
  token: string,
  format: SinkFormat,
): { output: Output; result: Promise<WriteSummary> } {
  let resolve!: (summary: WriteSummary) => void;
  let reject!: (error: Error) => void;
  const result = new Promise<WriteSummary>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const parts: string[] = [];
  const renames: Promise<void>[] = [];
  let records = 0;
  let bytes = 0;

  /** Every temporary file this job's attempts left: those that died or came back too late. */
  const removeTemps = async () => {
    const names = await readdir(directory).catch(() => []);
    const temps = names.filter((name) => seqOfTemp(token, name) !== undefined);
    await Promise.all(temps.map((name) => rm(join(directory, name), { force: true })));
  };

  const output: Output = {
    add(partial) {
      const part = partial as WrittenPart;
      if (part.temp === undefined) return;
      const seq = seqOfTemp(token, part.temp);
      if (seq === undefined) throw new Error(`internal: ${part.temp} is not a part file of this job`);
      const name = partName(seq, format);
      parts.push(name);
      records += part.records;
      bytes += part.bytes;
      renames.push(rename(join(directory, part.temp), join(directory, name)));
    },
    finish() {
      void (async () => {
        try {
          await Promise.all(renames);
          await removeTemps();
          await writeFile(join(directory, successMarker), "");
          resolve({ directory, files: parts.sort(), records, bytes });
        } catch (error) {
          await takeBack();
          reject(error as Error);
        }
      })();
    },
    fail(error) {
      void takeBack().then(() => reject(error));
    },
    discard(partial) {
      const { temp } = partial as WrittenPart;
      if (temp !== undefined && seqOfTemp(token, temp) !== undefined)
        void rm(join(directory, temp), { force: true }).catch(() => {});
    },
  };

  /**
   * Removes the parts already in view and the job's temporary files: a failed job leaves no part
   * behind. Never rejects: the job's own error is the one to report.
   */
  async function takeBack(): Promise<void> {
    await Promise.allSettled(renames);
    await Promise.allSettled(parts.map((name) => rm(join(directory, name), { force: true })));
    await removeTemps().catch(() => {});
  }

  return { output, result };
}
