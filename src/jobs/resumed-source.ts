// A resumed job's input: only the runs of items its ledger does not cover, each cut from the
// original input at its own place, so every chunk keeps the input index its items had.
import type { ChunkInput } from "../protocol/plan.ts";
import type { InputRun } from "./ledger.ts";
import type { SeekableSource, Source } from "./source.ts";

export class ResumedSource implements Source {
  #run = 0;
  /** Items of the current run already cut. */
  #taken = 0;

  /** `runs` in input order; the scheduler cuts no chunk across two of them (it is given their lengths). */
  constructor(
    readonly inner: SeekableSource,
    readonly runs: readonly InputRun[],
  ) {
    if (runs.length > 0) inner.seek(runs[0]!.start);
  }

  get nextIndex(): number {
    const run = this.runs[this.#run];
    return run === undefined ? Infinity : run.start + this.#taken;
  }

  open() {
    return { available: this.runs.reduce((sum, run) => sum + run.count, 0), closed: true };
  }

  take(size: number): ChunkInput {
    const run = this.runs[this.#run]!;
    if (this.#taken + size > run.count) {
      throw new Error(`a chunk of ${size} items crosses the end of a resumed run (${JSON.stringify(run)})`);
    }
    const input = this.inner.take(size);
    this.#taken += size;
    if (this.#taken === run.count && this.#run + 1 < this.runs.length) {
      this.#taken = 0;
      this.inner.seek(this.runs[++this.#run]!.start);
    }
    return input;
  }

  stop(): void {
    this.inner.stop();
  }
}
