// `weft pipe <module> <task>`: records in on standard input, one a line (text, or JSON with --json),
// each run through the task on a pool of this machine's workers, one result a line on standard
// output, in input order. The contract of Spark's RDD.pipe and of a Dask map_partitions that calls a
// subprocess: newline framing, the input's end is the partition's end, an empty input gives nothing.
// The input is one streamed job of blocks of whole lines, which the workers read, run and write
// (pipe-tasks.ts); the pool reads ahead of them by a bounded number of blocks and pauses while the
// output is behind, so memory stays bounded whatever the input's size.
import { once } from "node:events";
import { read } from "node:fs";
import type { Writable } from "node:stream";
import { setTimeout as delay } from "node:timers/promises";
import { promisify } from "node:util";
import type { ModuleTaskRef } from "../../protocol/task-ref.ts";
import { weft } from "../../pool/weft.ts";
import { loadNamedTasks } from "../../task/named-tasks.ts";
import { runLines, setUpPipe } from "./pipe-tasks.ts";

export interface PipeOptions {
  readonly module: string;
  readonly task: string;
  readonly json: boolean;
  readonly workers?: number | undefined;
  /** `fail`: the first failing line ends the run, non-zero; `skip`: it is reported on standard error and left out. */
  readonly errors: "fail" | "skip";
  /** The most lines in one block; the first blocks hold fewer, from one line, doubling. */
  readonly block: number;
}

/** The most bytes of input in one block, whatever its lines. */
const blockBytes = 64 * 1024;

/**
 * Runs the pipe from the file descriptor `input` to `output`; resolves with the exit code (1 after a
 * failing line under `fail`).
 */
export async function pipe(
  options: PipeOptions,
  input = 0,
  output: Writable = process.stdout,
  report: (line: string) => void = (line) => console.error(line),
): Promise<number> {
  // The workers start while this thread loads the task's module. The pool reads 64 blocks ahead of
  // them (a few MB), not its default 16,384 items, which for blocks would be a gigabyte.
  const [found, started] = await Promise.allSettled([
    findTask(options.module, options.task),
    weft({ readAhead: 64, ...(options.workers !== undefined && { workers: options.workers }) }),
  ]);
  if (started.status === "rejected") throw started.reason;
  await using pool = started.value;
  if (found.status === "rejected") throw found.reason;
  const stopAtFailure = options.errors === "fail";
  await pool.broadcast(setUpPipe, [{ task: found.value, json: options.json, stopAtFailure }]);
  let line = 1;
  for await (const block of pool.from(lineBlocks(input, options.block)).map(runLines).stream()) {
    const last = block.faults.find((fault) => fault.fatal || stopAtFailure);
    for (const fault of block.faults) {
      if (fault === last) break;
      report(`weft pipe: skipped line ${line + fault.at}: ${fault.message}`);
    }
    // The results before a failing line still go out.
    if (block.text !== "" && !output.write(block.text)) await once(output, "drain");
    if (last) {
      report(`weft pipe: line ${line + last.at}: ${last.message}`);
      return 1;
    }
    line += block.lines;
  }
  return 0;
}

/** The task `name` (its export's name) of `module`, which must define it with task(). */
async function findTask(module: string, name: string): Promise<ModuleTaskRef> {
  const tasks = await loadNamedTasks([module]);
  const found = [...tasks.values()].find((t) => t.ref.name === name || t.name === name);
  if (found) return found.ref;
  const names = [...tasks.values()].map((t) => t.ref.name ?? t.name);
  throw new Error(`${module} defines no task named ${name}; it defines ${names.join(", ")}`);
}

/** Bytes read at a time; the buffer grows past it only to hold a longer line. */
const readBytes = 1 << 20;

/**
 * The input cut into blocks of whole lines ("\n" ends; "\r\n" is left for the workers to strip), a
 * last line without an end in a block of its own. A block holds at most `maxLines` lines and
 * {@link blockBytes} bytes, but the first hold 1, 2, 4… lines: a short input of dear lines still
 * spreads over every worker.
 *
 * The descriptor is read into one buffer, again and again, not through a stream: every block is
 * copied out of it anyway, and a stream's fresh buffer for every read, each kept until its lines were
 * cut, made this thread touch new memory for all of the input, which on these virtual machines cost
 * more than the reading (measured in the calling thread's CPU time). The start of a line that runs
 * past what was read moves to the buffer's front and the next read goes after it.
 */
async function* lineBlocks(input: number, maxLines: number): AsyncGenerator<Uint8Array> {
  let buffer = Buffer.allocUnsafe(readBytes);
  /** Bytes at the buffer's front not yet in a block: the start of a line. */
  let held = 0;
  let lines = 1;
  for (;;) {
    if (held === buffer.length) buffer = Buffer.concat([buffer], 2 * buffer.length);
    const bytesRead = await readInto(input, buffer, held);
    if (bytesRead === 0) break;
    const bytes = buffer.subarray(0, held + bytesRead);
    // The held bytes hold no line end: a line still going on is looked at again only once its end
    // comes, not at every read (a line of megabytes would cost its size squared).
    if (bytes.indexOf(newline, held) < 0) {
      held = bytes.length;
      continue;
    }
    let start = 0;
    for (;;) {
      const end = endOfLines(bytes, start, lines);
      if (end < 0) break;
      yield copyOf(bytes.subarray(start, end));
      start = end;
      lines = Math.min(2 * lines, maxLines);
    }
    held = bytes.length - start;
    buffer.copyWithin(0, start, bytes.length);
  }
  if (held > 0) yield copyOf(buffer.subarray(0, held));
}

const readAt = promisify(read);

/**
 * Reads from `fd` into `buffer` after its first `offset` bytes; 0 at the input's end. A descriptor
 * that whoever started this process left non-blocking answers EAGAIN while it is empty: it is asked
 * again a moment later.
 */
async function readInto(fd: number, buffer: Buffer, offset: number): Promise<number> {
  for (;;) {
    try {
      const { bytesRead } = await readAt(fd, buffer, offset, buffer.length - offset, null);
      return bytesRead;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
      await delay(1);
    }
  }
}

const newline = 0x0a;

/** Bytes of their own: a view would send the whole buffer it views along with it. */
function copyOf(view: Uint8Array): Uint8Array {
  return Uint8Array.prototype.slice.call(view);
}

/**
 * Where a block from `start` ends: after its `lines`-th line end, or its last before
 * {@link blockBytes} bytes (a longer line goes alone); -1 if `bytes` holds no line end after `start`.
 */
function endOfLines(bytes: Buffer, start: number, lines: number): number {
  let end = -1;
  for (let n = 0; n < lines; n++) {
    const next = bytes.indexOf(newline, end < 0 ? start : end);
    if (next < 0 || (end >= 0 && next + 1 - start > blockBytes)) break;
    end = next + 1;
  }
  return end;
}
