// The bytes a worker reads for one file range: from the first line that starts in the range to the
// end of the last one, so a range's lines are whole however its boundaries cut the file.
import { createReadStream } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { pipeline } from "node:stream";
import { createGunzip } from "node:zlib";
import type { FileRange } from "../../protocol/files.ts";

const newline = 0x0a;
/** Read size while looking for a line's end: lines are usually short, so a small read finds it. */
const probeBytes = 64 * 1024;
/** Read size for a range's body: large reads keep the per-call cost small next to the bytes read. */
const blockBytes = 1024 * 1024;

/** The bytes of a range that hold its lines, and where they start in the (uncompressed) file. */
export interface RangeBytes {
  /** Offset in the file of the range's first line: the lines before it are counted only if an error needs them. */
  readonly from: number;
  readonly blocks: AsyncIterable<Buffer>;
}

/** Opens a range for reading. A gzip file is decompressed as it is read, from its start. */
export async function rangeBytes(range: FileRange): Promise<RangeBytes> {
  if (range.gzip) return { from: 0, blocks: piped(createReadStream(range.path), createGunzip()) };
  const file = await open(range.path, "r");
  try {
    const size = (await file.stat()).size;
    const from = await lineStartFrom(file, range.start, size);
    const to = await lineStartFrom(file, range.end, size);
    return { from, blocks: blocksOf(file, from, to) };
  } catch (error) {
    await file.close();
    throw error;
  }
}

/**
 * The first line start at or after `offset`: `offset` itself if a line starts there (it is 0, or
 * the byte before it is a newline), else the byte after the next newline; `size` if there is none.
 * Adjacent ranges agree on this point, so each line belongs to exactly one of them.
 */
async function lineStartFrom(file: FileHandle, offset: number, size: number): Promise<number> {
  if (offset <= 0) return 0;
  if (offset >= size) return size;
  const buffer = Buffer.allocUnsafe(probeBytes);
  // From the byte before `offset`: if it is a newline, a line starts at `offset`.
  for (let at = offset - 1; at < size;) {
    const { bytesRead } = await file.read(buffer, 0, Math.min(probeBytes, size - at), at);
    if (bytesRead === 0) break;
    const found = buffer.subarray(0, bytesRead).indexOf(newline);
    if (found >= 0) return at + found + 1;
    at += bytesRead;
  }
  return size;
}

/**
 * Bytes `from..to` of the file in blocks; closes the file when done or abandoned. The next block is
 * read while the consumer works on this one: awaiting each read in turn left a worker idle for about
 * a twentieth of a word count over a file in the page cache.
 */
export async function* blocksOf(file: FileHandle, from: number, to: number): AsyncGenerator<Buffer> {
  let next = from < to ? readBlock(file, from, to) : undefined;
  try {
    for (let at = from; next;) {
      const block = await next;
      if (block.length === 0) return;
      at += block.length;
      next = at < to ? readBlock(file, at, to) : undefined;
      yield block;
    }
  } finally {
    // A read ahead that nobody will take is let finish before the file closes.
    await next?.catch(() => undefined);
    await file.close();
  }
}

/**
 * The block at `at`, up to `to`, in a fresh buffer: the consumer may keep slices of it (a line split
 * across blocks). A read that fails while nobody awaits it yet must not count as an unhandled
 * rejection, which ends the process; whoever awaits it still gets the error.
 */
function readBlock(file: FileHandle, at: number, to: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(Math.min(blockBytes, to - at));
  const read = file
    .read(buffer, 0, buffer.length, at)
    .then(({ bytesRead }) => (bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead)));
  read.catch(() => undefined);
  return read;
}

/** The number of lines before byte `offset` of a file (its newlines), for an error's line number. */
export async function linesBefore(path: string, offset: number): Promise<number> {
  if (offset <= 0) return 0;
  let lines = 0;
  for await (const block of blocksOf(await open(path, "r"), 0, offset)) {
    for (let at = block.indexOf(newline); at >= 0; at = block.indexOf(newline, at + 1)) lines++;
  }
  return lines;
}

/**
 * `to` fed from `from`, ended together: a reader that stops early or fails closes the file too
 * (with `.pipe`, the file would stay open until garbage collection). Errors reach `to`'s reader.
 */
export function piped<T extends NodeJS.ReadWriteStream>(from: NodeJS.ReadableStream, to: T): T {
  return pipeline(from, to, () => {}) as unknown as T;
}
