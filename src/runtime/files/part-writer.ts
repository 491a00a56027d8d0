// One attempt at a sink's chunk, written by its worker: the chunk's records go, encoded as they come,
// to part files under the attempt's own folder in `<dir>/_temporary/<token>/` (one part, or one per
// partition folder with partitionBy). The pool moves the parts of accepted attempts into place
// only once the whole job has succeeded (jobs/sink-output.ts), so an attempt that fails or dies
// leaves nothing in view, and two attempts at one chunk never share a file.
import { randomBytes } from "node:crypto";
import { mkdir, open, rm, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import type { Terminal } from "../../protocol/plan.ts";
import {
  attemptFolder,
  hiveFolder,
  partName,
  temporaryFolder,
  type WrittenPart,
} from "../../protocol/sinks.ts";
import type { EncoderFactory, PartEncoder } from "./part-encoders.ts";

type SinkTerminal = Terminal & { op: "write" };

/** Part files a chunk keeps open at once; one with many partition folders reopens the others as it appends. */
const maxOpenFiles = 16;

/** One part file of the attempt: its encoder, and where its bytes go. */
interface Part {
  readonly encoder: PartEncoder;
  /** The part's path under the attempt's folder, `/`-separated. */
  readonly path: string;
  records: number;
  bytes: number;
  file: FileHandle | undefined;
  created: boolean;
}

export class PartWriter {
  readonly #terminal: SinkTerminal;
  readonly #openEncoder: EncoderFactory;
  readonly #attempt: string;
  /** `<dir>/_temporary/<token>/<attempt>`: made by the first part written, never before. */
  readonly #root: string;
  readonly #name: string;
  /** The parts, by partition folder ("" without partitionBy). */
  readonly #parts = new Map<string, Part>();
  /** Parts with an open file, least recently written first. */
  readonly #open = new Set<Part>();
  readonly #folders = new Set<string>();

  constructor(terminal: SinkTerminal, seq: number, openEncoder: EncoderFactory) {
    this.#terminal = terminal;
    this.#openEncoder = openEncoder;
    this.#attempt = attemptFolder(seq, randomBytes(4).toString("hex"));
    this.#root = join(terminal.directory, temporaryFolder, terminal.token, this.#attempt);
    this.#name = partName(seq, terminal.token, terminal.format);
  }

  /** Encodes one record into its part; throws, saying why, for a record that cannot be written. */
  add(record: unknown): void {
    const { partitionBy } = this.#terminal;
    if (partitionBy === undefined) {
      this.#write(this.#part(""), record);
      return;
    }
    if (typeof record !== "object" || record === null || Array.isArray(record))
      throw new TypeError(
        `partitionBy writes objects, each into the folder of its fields (${partitionBy.join(", ")}), and this item is ${Array.isArray(record) ? "an array" : record === null ? "null" : `a ${typeof record}`}`,
      );
    const fields = record as Record<string, unknown>;
    const folder = partitionBy.map((field) => hiveFolder(field, fields[field])).join("/");
    // The partition fields live in the folder's name, not in the file, as Spark writes them.
    const rest: Record<string, unknown> = {};
    for (const key of Object.keys(fields)) if (!partitionBy.includes(key)) rest[key] = fields[key];
    this.#write(this.#part(folder), rest);
  }

  /** Counted once written: a record that throws (and may be set aside under `errors: "collect"`) is not in the part. */
  #write(part: Part, record: unknown): void {
    part.encoder.write(record);
    part.records++;
  }

  /** Appends what the encoders have made since the last flush: a chunk's output never piles up in memory. */
  async flush(): Promise<void> {
    for (const part of this.#parts.values()) await this.#append(part, part.encoder.take());
  }

  /**
   * Writes each part's last bytes and makes it durable before the pool may move it into view: a
   * committed part's bytes are always on disk.
   */
  async finish(): Promise<WrittenPart> {
    for (const [folder, part] of this.#parts) {
      // A part whose every record was set aside has nothing to write.
      if (part.records === 0) {
        this.#parts.delete(folder);
        continue;
      }
      await this.#append(part, part.encoder.take());
      await this.#append(part, part.encoder.end());
      const file = await this.#fileOf(part);
      await file.sync();
      await this.#close(part);
    }
    const files = [...this.#parts.values()].map(({ encoder, path, records, bytes }) => {
      const schema = encoder.schema?.();
      return { path, records, bytes, ...(schema !== undefined && { schema }) };
    });
    return { attempt: files.length > 0 ? this.#attempt : undefined, files };
  }

  /** The attempt failed: its folder goes. */
  async discard(): Promise<void> {
    await Promise.allSettled([...this.#open].map((part) => this.#close(part)));
    await rm(this.#root, { recursive: true, force: true, maxRetries: 3 });
  }

  #part(folder: string): Part {
    let part = this.#parts.get(folder);
    if (part === undefined) {
      const path = folder === "" ? this.#name : `${folder}/${this.#name}`;
      part = { encoder: this.#openEncoder(), path, records: 0, bytes: 0, file: undefined, created: false };
      this.#parts.set(folder, part);
    }
    return part;
  }

  async #append(part: Part, bytes: Uint8Array | string | undefined): Promise<void> {
    if (bytes === undefined || bytes.length === 0) return;
    const data = typeof bytes === "string" ? Buffer.from(bytes) : bytes;
    const file = await this.#fileOf(part);
    await file.write(data);
    part.bytes += data.length;
  }

  async #fileOf(part: Part): Promise<FileHandle> {
    if (part.file !== undefined) {
      // Most recently written last, so the file closed to make room is the one idle longest.
      this.#open.delete(part);
      this.#open.add(part);
      return part.file;
    }
    if (this.#open.size >= maxOpenFiles) await this.#close(this.#open.values().next().value!);
    if (!part.created) await this.#makeFolders(part.path);
    part.file = await open(join(this.#root, part.path), part.created ? "a" : "wx");
    part.created = true;
    this.#open.add(part);
    return part.file;
  }

  async #close(part: Part): Promise<void> {
    const file = part.file;
    part.file = undefined;
    this.#open.delete(part);
    await file?.close();
  }

  /**
   * Makes the attempt's folder and the part's partition folders one level at a time, never their
   * parents: once the pool has removed the job's `_temporary/<token>` (the job ended), a late attempt
   * fails to write instead of bringing it back.
   */
  async #makeFolders(path: string): Promise<void> {
    const segments = path.split("/").slice(0, -1);
    let folder = "";
    for (const segment of ["", ...segments]) {
      folder = folder === "" ? segment : `${folder}/${segment}`;
      if (this.#folders.has(folder)) continue;
      await mkdir(join(this.#root, folder)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "EEXIST") throw error;
      });
      this.#folders.add(folder);
    }
  }
}
