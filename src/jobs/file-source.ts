// A job's input as byte ranges of files: each range is one item to the scheduler, and a chunk is
// a few ranges; the lines themselves are read on the workers.
import type { FileFormat, FileRange } from "../protocol/files.ts";
import type { ChunkInput } from "../protocol/plan.ts";
import type { Source } from "./source.ts";

export class FileSource implements Source {
  readonly itemsAreRecords = false;
  #next = 0;
  constructor(
    readonly ranges: readonly FileRange[],
    readonly format: FileFormat,
  ) {}

  open() {
    return { available: this.ranges.length, closed: true };
  }

  take(size: number): ChunkInput {
    const ranges = this.ranges.slice(this.#next, this.#next + size);
    this.#next += size;
    return { kind: "file", format: this.format, ranges };
  }

  stop(): void {}
}
