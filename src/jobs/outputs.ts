// The two ways a collection job's partials leave it: merged into one promised value, or streamed to a reader.
import { unpackPart, type CollectedPart } from "../plan/packing.ts";
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
 * Hands each chunk's items to an async iterator. When the reader falls `highWater` chunks behind,
 * `pause(true)` stops new chunks from being sent until it catches up.
 */
export class StreamOutput<T> implements Output {
  readonly #parts: T[][] = [];
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
    if (!this.#paused && this.#parts.length >= this.highWater) {
      this.#paused = true;
      this.pause(true);
    }
    this.#signal();
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
        if (this.#paused && this.#parts.length < this.highWater / 2) {
          this.#paused = false;
          this.pause(false);
        }
        yield* part;
        continue;
      }
      if (this.#error) throw this.#error;
      if (this.#ended) return;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }
}
