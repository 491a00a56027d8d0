// A sink's chunk, written by its worker: the chunk's items go to a temporary file in the sink's
// directory as they are produced; the pool renames it to the chunk's part file once it accepts the
// chunk, so a part file in view is always whole, and an attempt that fails or dies leaves only a
// hidden temporary file, which the pool removes.
import { randomBytes } from "node:crypto";
import { open, rm, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { tempName, type WrittenPart } from "../../protocol/files.ts";

export class PartWriter {
  readonly #directory: string;
  readonly #name: string;
  #file: FileHandle | undefined;
  #records = 0;
  #bytes = 0;

  constructor(directory: string, token: string, seq: number) {
    this.#directory = directory;
    // Each attempt at the chunk writes its own file, so a rerun never meets a dying attempt's file.
    this.#name = tempName(token, seq, randomBytes(4).toString("hex"));
  }

  /** Appends `lines` and empties the array; the file is created with the first line, so an empty chunk writes none. */
  async write(lines: string[]): Promise<void> {
    if (lines.length === 0) return;
    const bytes = Buffer.from(`${lines.join("\n")}\n`);
    this.#records += lines.length;
    lines.length = 0;
    this.#file ??= await open(join(this.#directory, this.#name), "wx");
    await this.#file.write(bytes);
    this.#bytes += bytes.length;
  }

  /** Makes the file durable before the pool renames it: a rename must never expose a part whose bytes are not on disk. */
  async finish(): Promise<WrittenPart> {
    if (!this.#file) return { temp: undefined, records: 0, bytes: 0 };
    await this.#file.sync();
    await this.#file.close();
    this.#file = undefined;
    return { temp: this.#name, records: this.#records, bytes: this.#bytes };
  }

  /** The attempt failed: its file goes. */
  async discard(): Promise<void> {
    const file = this.#file;
    this.#file = undefined;
    if (!file) return;
    await file.close();
    await rm(join(this.#directory, this.#name), { force: true });
  }
}
