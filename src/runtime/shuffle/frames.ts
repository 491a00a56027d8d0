// Shuffle files: a sequence of frames, each a 4-byte length and a V8-serialized batch of records as
// two columns, `[keys, values]` (two arrays cost V8 less to write and read than an array of pairs).
// V8's format keeps what structured clone keeps (bigints, Dates, Maps, typed arrays) and writes an
// array met twice once (so records whose values are their keys pass one array as both columns and
// cost half), and a frame is read back whole, so a reader never parses half a record.
import type { FileHandle } from "node:fs/promises";
import { open } from "node:fs/promises";
import { deserialize, serialize } from "node:v8";

const headerBytes = 4;

/** A frame's records: record `i` is `keys[i]` with `values[i]`. */
export type Frame = [keys: unknown[], values: unknown[]];

/** Appends frames to a file created on the first write; the file's size so far is `bytes`. */
export class FrameWriter {
  #file: FileHandle | undefined;
  bytes = 0;
  records = 0;

  constructor(readonly path: string) {}

  /** Writes the records `keys[i]`, `values[i]` as one frame and returns its byte range in the file. */
  async append(
    keys: readonly unknown[],
    values: readonly unknown[],
  ): Promise<{ start: number; end: number }> {
    const body = serialize([keys, values]);
    const header = Buffer.allocUnsafe(headerBytes);
    header.writeUInt32LE(body.length);
    this.#file ??= await open(this.path, "wx");
    const start = this.bytes;
    await this.#file.writev([header, body]);
    this.bytes += headerBytes + body.length;
    this.records += keys.length;
    return { start, end: this.bytes };
  }

  async close(): Promise<void> {
    const file = this.#file;
    this.#file = undefined;
    await file?.close();
  }
}

/**
 * The frame at byte `at` of the file at `path`, and where the next one starts: for readers that hold
 * many files open at once, each read opens and closes its file, so none holds a descriptor between reads.
 */
export async function readFrameAt(path: string, at: number): Promise<{ frame: Frame; next: number }> {
  const file = await open(path, "r");
  try {
    const header = Buffer.allocUnsafe(headerBytes);
    const { bytesRead } = await file.read(header, 0, headerBytes, at);
    if (bytesRead < headerBytes) throw new Error(`${path} ends inside a frame header at byte ${at}`);
    const length = header.readUInt32LE();
    const body = Buffer.allocUnsafe(length);
    const read = await file.read(body, 0, length, at + headerBytes);
    if (read.bytesRead < length) throw new Error(`${path} ends inside a frame at byte ${at}`);
    return { frame: deserialize(body) as Frame, next: at + headerBytes + length };
  } finally {
    await file.close();
  }
}

/** The frames in bytes `start..end` of the file at `path` (all of it by default). */
export async function* readFrames(
  path: string,
  start = 0,
  end = Number.POSITIVE_INFINITY,
): AsyncGenerator<Frame> {
  const file = await open(path, "r");
  try {
    const header = Buffer.allocUnsafe(headerBytes);
    for (let at = start; at < end;) {
      const { bytesRead } = await file.read(header, 0, headerBytes, at);
      if (bytesRead === 0 && end === Number.POSITIVE_INFINITY) return;
      if (bytesRead < headerBytes) throw new Error(`${path} ends inside a frame header at byte ${at}`);
      const length = header.readUInt32LE();
      const body = Buffer.allocUnsafe(length);
      const read = await file.read(body, 0, length, at + headerBytes);
      if (read.bytesRead < length) throw new Error(`${path} ends inside a frame at byte ${at}`);
      yield deserialize(body) as Frame;
      at += headerBytes + length;
    }
  } finally {
    await file.close();
  }
}
