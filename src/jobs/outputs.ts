// The two ways a collection job's partials leave it: merged into one promised value, or streamed to a reader.
import { unpackPart, type CollectedPart } from "../protocol/packing.ts";
import type { Merge } from "./merge.ts";
import type { Failure, Output } from "./collection-job.ts";

/**
 * One input item's outcome, in a stream under the `collect` policy: its result, or why it has none.
 * `index` is the item's place in the input, from 0.
 */
export type SettledItem<T> =
  { readonly index: number; readonly value: T } | { readonly index: number; readonly failure: Failure };

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
 * With `settled`, every input item comes out as a {@link SettledItem}, its failure in its place: each
 * chunk's results are its items' (every step is a map), less those that failed.
 */
export class StreamOutput<T> implements Output {
  readonly #parts: unknown[][] = [];
  /** Failures whose chunk's result has not come yet, by input index (`settled` only). */
  readonly #failures = new Map<number, Failure>();
  #held = 0;
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;
  #paused = false;

  constructor(
    readonly highWater: number,
    readonly pause: (paused: boolean) => void,
    readonly settled = false,
  ) {}

  add(partial: unknown, start: number, count: number): void {
    const values = unpackPart(partial as CollectedPart);
    this.#parts.push(this.settled ? this.#settle(values, start, count) : values);
    this.#updatePause();
    this.#signal();
  }

  failed(failures: readonly Failure[]): void {
    for (const failure of failures) this.#failures.set(failure.index, failure);
  }

  /** The chunk's items `start..start + count - 1` in order, each its value or its failure. */
  #settle(values: readonly unknown[], start: number, count: number): SettledItem<unknown>[] {
    const items: SettledItem<unknown>[] = [];
    let next = 0;
    for (let index = start; index < start + count; index++) {
      const failure = this.#failures.get(index);
      if (failure) {
        this.#failures.delete(index);
        items.push({ index, failure });
      } else items.push({ index, value: values[next++] });
    }
    if (next !== values.length) {
      throw new Error(
        `weft: a chunk of ${count} items from ${start} gave ${values.length} results and ${count - next} failures`,
      );
    }
    return items;
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

  /** The next chunk's items, once there is one; undefined at the end. */
  async nextPart(): Promise<T[] | undefined> {
    for (;;) {
      const part = this.#parts.shift();
      if (part) {
        this.#updatePause();
        return part as T[];
      }
      if (this.#error) throw this.#error;
      if (this.#ended) return undefined;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }
}
