// The two ways a collection job's partials leave it: merged into one promised value, or streamed to a reader.
import { unpackPart, type CollectedPart } from "../protocol/packing.ts";
import type { Merge } from "./merge.ts";
import type { Output } from "./collection-job.ts";

/** Merges partials (given in input order) and settles a promise with the result. */
export function mergeOutput<R>(merge: Merge<R>): { output: Output; result: Promise<R> } {
  let resolve!: (value: R) => void;
  let reject!: (error: Error) => void;
  const result = new Promise<R>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const output: Output = {
    add: (partial) => merge.add(partial),
    expect: (items) => merge.expect?.(items),
    finish() {
      try {
        resolve(merge.result());
      } catch (error) {
        reject(error as Error);
      }
    },
    fail: reject,
  };
  return { output, result };
}

/**
 * Hands each chunk's items to an async iterator. When `highWater` chunks wait for the reader, counting
 * those that came back early and wait for an earlier one, `pause(true)` stops new chunks from being
 * sent until it catches up: one slow chunk must not let the rest of the input pile up behind it.
 */
export class StreamOutput<T> implements Output {
  readonly #parts: T[][] = [];
  #held = 0;
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;
  #paused = false;

  constructor(
    readonly highWater: number,
    readonly pause: (paused: boolean) => void,
  ) {}

  add(partial: unknown): void {
    this.#parts.push(unpackPart(partial as CollectedPart) as T[]);
    this.#updatePause();
    this.#signal();
  }

  held(partials: number): void {
    this.#held = partials;
    this.#updatePause();
  }

  /** Paused at `highWater` chunks waiting, resumed below half of it, so it does not flap. */
  #updatePause(): void {
    const waiting = this.#parts.length + this.#held;
    if (!this.#paused && waiting >= this.highWater) {
      this.#paused = true;
      this.pause(true);
    } else if (this.#paused && waiting < this.highWater / 2) {
      this.#paused = false;
      this.pause(false);
    }
  }

  finish(): void {
    this.#ended = true;
    this.#signal();
  }

  fail(error: Error): void {
    this.#error ??= error;
    this.#ended = true;
    this.#signal();
  }

  #signal(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async *items(): AsyncGenerator<T> {
    for (;;) {
      const part = this.#parts.shift();
      if (part) {
        this.#updatePause();
        yield* part;
        continue;
      }
      if (this.#error) throw this.#error;
      if (this.#ended) return;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }
}
