// `weft pipe`'s own tasks, which its workers import by this module's URL: a block of input lines run
// through the user's task on the worker, each line read (as JSON with --json), the task called on
// it and its result written as its output line there. The calling thread then only cuts the input
// into blocks and writes the blocks' output, so on cheap lines it no longer sets the pace, and the
// scheduler balances blocks like any items. What every block shares (the task, the flags) reaches
// each worker once, by broadcast, so a block travels as its bytes alone.
import { describeTask, type TaskRef } from "../../protocol/task-ref.ts";
import { isThenable } from "../../protocol/thenable.ts";
import { loadTask } from "../../task/load.ts";
import { task } from "../../task/task.ts";

/** How this worker runs its blocks, the same for every block of the pipe. */
export interface PipeSettings {
  /** The user's task. */
  readonly task: TaskRef;
  readonly json: boolean;
  /** Stop at the first failing line (`--errors fail`): the lines after it are not run. */
  readonly stopAtFailure: boolean;
}

/** A line that gave no result, by its place in the block (from 0). */
export interface LineFault {
  readonly at: number;
  readonly message: string;
  /** No `--errors` policy goes past it (a result that cannot be written as one line). */
  readonly fatal?: true;
}

export interface BlockOutput {
  /** One line a result, each ended by "\n", in input order. */
  readonly text: string;
  /** The block's lines, whether run or not. */
  readonly lines: number;
  readonly faults: readonly LineFault[];
}

let settings: (PipeSettings & { readonly fn: (record: unknown) => unknown }) | undefined;

/** Broadcast first: sets this worker up for the pipe, its task loaded before the first block comes. */
export const setUpPipe = task(import.meta.url, async (given: PipeSettings): Promise<void> => {
  const { fn } = await loadTask(given.task);
  settings = { ...given, fn };
});

/**
 * Runs a block: whole lines as UTF-8, each ended by "\n" or "\r\n", but for the input's last, which
 * may have no end. Bytes, not text: each line is decoded here into a string of its own, where a
 * slice of the block's text would be a V8 sliced string, on which a task that reads characters ran
 * at about half speed.
 */
export const runLines = task(import.meta.url, async (block: Uint8Array): Promise<BlockOutput> => {
  if (!settings) throw new Error("weft pipe: a worker ran a block before setUpPipe");
  const { fn, json, stopAtFailure } = settings;
  const lines = splitLines(block);
  const faults: LineFault[] = [];
  let text = "";
  for (let at = 0; at < lines.length; at++) {
    let result: unknown;
    try {
      const record = json ? parseJson(lines[at]!) : lines[at];
      result = fn(record);
      if (isThenable(result)) result = await result;
    } catch (error) {
      faults.push({ at, message: failureMessage(settings.task, error) });
      if (stopAtFailure) break;
      continue;
    }
    const line = resultLine(result, json);
    if (line.includes("\n")) {
      faults.push({ at, message: lineBreakMessage, fatal: true });
      break;
    }
    text += `${line}\n`;
  }
  return { text, lines: lines.length, faults };
});

const lineBreakMessage = "the task's result holds a line break: use --json to write it as JSON";

const newline = 0x0a;
const carriageReturn = 0x0d;

/** The block's lines, without their ends. */
function splitLines(block: Uint8Array): string[] {
  const bytes = Buffer.from(block.buffer, block.byteOffset, block.byteLength);
  const lines: string[] = [];
  const line = (start: number, end: number) =>
    lines.push(
      bytes.toString("utf8", start, end > start && bytes[end - 1] === carriageReturn ? end - 1 : end),
    );
  let start = 0;
  for (let end = bytes.indexOf(newline); end >= 0; end = bytes.indexOf(newline, start)) {
    line(start, end);
    start = end + 1;
  }
  if (start < bytes.length) line(start, bytes.length);
  return lines;
}

class NotJsonError extends Error {}

function parseJson(line: string): unknown {
  if (line.trim() === "") throw new NotJsonError("an empty line, not a JSON value");
  try {
    return JSON.parse(line) as unknown;
  } catch (error) {
    throw new NotJsonError((error as Error).message);
  }
}

function failureMessage(ref: TaskRef, error: unknown): string {
  if (error instanceof NotJsonError) return `not JSON: ${error.message}`;
  const cause = error instanceof Error ? error : new Error(`non-error value thrown: ${String(error)}`);
  return `${describeTask(ref)} threw ${cause.name}: ${cause.message}`;
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
