// `weft pipe <module> <task>`: records in on standard input, one a line (text, or JSON with --json),
// each run through the task on a pool of this machine's workers, one result a line on standard
// output, in input order. The contract of Spark's RDD.pipe and of a Dask map_partitions that calls a
// subprocess: newline framing, the input's end is the partition's end, an empty input gives nothing.
// Lines are read and run in batches, two at a time, so memory stays bounded whatever the input's size.
import { once } from "node:events";
import type { Readable, Writable } from "node:stream";
import { TaskError } from "../../errors.ts";
import type { Failure } from "../../jobs/collection-job.ts";
import { weft } from "../../pool/weft.ts";
import { loadNamedTasks } from "../../task/named-tasks.ts";

export interface PipeOptions {
  readonly module: string;
  readonly task: string;
  readonly json: boolean;
  readonly workers?: number | undefined;
  /** `fail`: the first failing line ends the run, non-zero; `skip`: it is reported on standard error and left out. */
  readonly errors: "fail" | "skip";
  /** Lines run as one job; two jobs run at once. */
  readonly batch: number;
}

/** Why a line gave no result: its task threw, or (with --json) it is not JSON. */
class LineFailure extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

/** Runs the pipe from `input` to `output`; resolves with the exit code (1 after a failing line under `fail`). */
export async function pipe(
  options: PipeOptions,
  input: Readable = process.stdin,
  output: Writable = process.stdout,
  report: (line: string) => void = (line) => console.error(line),
): Promise<number> {
  // The workers start while this thread loads the task's module.
  const [found, started] = await Promise.allSettled([
    findTask(options.module, options.task),
    weft(options.workers === undefined ? {} : { workers: options.workers }),
  ]);
  if (started.status === "rejected") throw started.reason;
  await using pool = started.value;
  if (found.status === "rejected") throw found.reason;
  const fn = found.value;
  /** A batch's output, and under `fail` the failure that ends the run after it. */
  const run = async (lines: string[], first: number): Promise<{ text: string; failure?: LineFailure }> => {
    const { records, lineOf, unreadable } = options.json
      ? parseJsonLines(lines, first)
      : { records: lines, lineOf: (index: number) => first + index, unreadable: [] };
    const { result, failures } = await pool.from(records).map(fn).options({ errors: "collect" }).collect();
    const failed = [...unreadable, ...failures.map((f) => new LineFailure(lineOf(f.index), describe(f)))];
    if (failed.length === 0) return encode(result, options.json, lineOf);
    failed.sort((a, b) => a.line - b.line);
    const gone = new Set(failed.map((f) => f.line));
    const kept = records.map((_, index) => lineOf(index)).filter((n) => !gone.has(n));
    const keptLine = (index: number) => kept[index]!;
    if (options.errors === "fail") {
      // The results before the failing line still go out, as a stream would have written them.
      const before = kept.filter((n) => n < failed[0]!.line).length;
      const written = encode(result.slice(0, before), options.json, keptLine);
      return written.failure ? written : { text: written.text, failure: failed[0]! };
    }
    for (const failure of failed) report(`weft pipe: skipped ${failure.message}`);
    return encode(result, options.json, keptLine);
  };
  const emit = async ({ text, failure }: { text: string; failure?: LineFailure }) => {
    await write(output, text);
    if (failure) throw failure;
  };
  // Two batches at once: the next one runs while this one's results are written.
  const queue: ReturnType<typeof run>[] = [];
  try {
    let next = 1;
    for await (const lines of batches(input, options.batch)) {
      queue.push(run(lines, next));
      next += lines.length;
      if (queue.length === 2) await emit(await queue.shift()!);
    }
    while (queue.length > 0) await emit(await queue.shift()!);
    return 0;
  } catch (error) {
    if (!(error instanceof LineFailure)) throw error;
    report(`weft pipe: ${error.message}`);
    return 1;
  } finally {
    await Promise.allSettled(queue);
  }
}

/** The task `name` (its export's name) of `module`, which must define it with task(). */
async function findTask(module: string, name: string): Promise<(item: unknown) => unknown> {
  const tasks = await loadNamedTasks([module]);
  const found = [...tasks.values()].find((t) => t.ref.name === name || t.name === name);
  if (found) return found.fn as (item: unknown) => unknown;
  const names = [...tasks.values()].map((t) => t.ref.name ?? t.name);
  throw new Error(`${module} defines no task named ${name}; it defines ${names.join(", ")}`);
}

function describe(failure: Failure): string {
  const cause = failure.error instanceof TaskError ? (failure.error.cause as Error) : failure.error;
  return `${failure.task} threw ${cause.name}: ${cause.message}`;
}

/** With --json: the lines' values, the line number of each, and the lines that are not JSON. */
function parseJsonLines(
  lines: readonly string[],
  first: number,
): { records: unknown[]; lineOf: (index: number) => number; unreadable: LineFailure[] } {
  const records: unknown[] = [];
  const numbers: number[] = [];
  const unreadable: LineFailure[] = [];
  lines.forEach((text, i) => {
    try {
      if (text.trim() === "") throw new Error("an empty line, not a JSON value");
      records.push(JSON.parse(text));
      numbers.push(first + i);
    } catch (error) {
      unreadable.push(new LineFailure(first + i, `not JSON: ${(error as Error).message}`));
    }
  });
  return { records, lineOf: (index) => numbers[index]!, unreadable };
}

/**
 * The results' lines, up to the first that would hold a line break: that one is the failure that
 * ends the run, whatever `--errors` says, since no line can stand for it. `lineOf` gives the input
 * line of each result.
 */
function encode(
  results: readonly unknown[],
  json: boolean,
  lineOf: (index: number) => number,
): { text: string; failure?: LineFailure } {
  let text = "";
  for (let i = 0; i < results.length; i++) {
    const line = resultLine(results[i], json);
    if (line.includes("\n")) {
      const message = "the task's result holds a line break: use --json to write it as JSON";
      return { text, failure: new LineFailure(lineOf(i), message) };
    }
    text += `${line}\n`;
  }
  return { text };
}

/**
 * A result as its line: JSON with --json; otherwise a string as it is, anything else as JSON. A
 * finite number is written as JSON writes it, without JSON.stringify's cost, which dominated a
 * trivial task's run.
 */
function resultLine(value: unknown, json: boolean): string {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "string" && !json) return value;
  return JSON.stringify(value, bigintAsString) ?? "null";
}

function bigintAsString(_: string, value: unknown): unknown {
  return typeof value === "bigint" ? String(value) : value;
}

async function write(output: Writable, text: string): Promise<void> {
  if (text !== "" && !output.write(text)) await once(output, "drain");
}

/** The input's lines ("\n" or "\r\n" ends), `size` at a time; a last line without an end counts. */
async function* batches(input: Readable, size: number): AsyncGenerator<string[]> {
  let lines: string[] = [];
  let rest = "";
  input.setEncoding("utf8");
  for await (const chunk of input as AsyncIterable<string>) {
    const text = rest + chunk;
    let start = 0;
    for (let end = text.indexOf("\n"); end >= 0; end = text.indexOf("\n", start)) {
      lines.push(text.slice(start, end > start && text[end - 1] === "\r" ? end - 1 : end));
      start = end + 1;
      if (lines.length === size) {
        yield lines;
        lines = [];
      }
    }
    rest = text.slice(start);
  }
  if (rest !== "") lines.push(rest.endsWith("\r") ? rest.slice(0, -1) : rest);
  if (lines.length > 0) yield lines;
}
