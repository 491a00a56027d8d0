// The iterator of `collection.stream()`: the job starts at the first `next()`, and leaving the loop
// early (`return()`) cancels it. Written as a class, not an async generator: a generator's yield costs
// several promise turns an item, which on cheap items (`weft pipe` over millions of lines) made the
// calling thread, not the workers, set the pace. Here an item of a chunk already back costs one.
// Calls to `next()` made before the last one settled are answered in turn, as a generator's are.
import type { StreamOutput } from "../jobs/outputs.ts";

/** A started stream: where its items come from, and how to end it early. */
export interface StartedStream<T> {
  readonly output: StreamOutput<T>;
  /** Cancels the job if it is still running. */
  stop(): void;
  /** Frees what the job's source holds (its files, its held results); called once, at the end. */
  release(): Promise<void>;
}

export class StreamReader<T> implements AsyncIterator<T> {
  #started: Promise<StartedStream<T>> | undefined;
  #part: readonly T[] = [];
  #at = 0;
  #done = false;
  /** The part being fetched, while it is: calls made meanwhile wait for it, then go in turn. */
  #fetching: Promise<unknown> | undefined;

  constructor(readonly start: () => Promise<StartedStream<T>>) {}

  next(): Promise<IteratorResult<T>> {
    if (this.#fetching) return this.#fetching.then(this.#again, this.#again);
    if (this.#at < this.#part.length) return Promise.resolve({ value: this.#part[this.#at++]!, done: false });
    const fetch = this.#nextPart();
    this.#fetching = fetch;
    // Cleared before the caller and those waiting resume: they were queued on it after this.
    const fetched = () => {
      if (this.#fetching === fetch) this.#fetching = undefined;
    };
    void fetch.then(fetched, fetched);
    return fetch;
  }

  readonly #again = () => this.next();

  async return(): Promise<IteratorResult<T>> {
    await this.#end(true);
    return { value: undefined, done: true };
  }

  async #nextPart(): Promise<IteratorResult<T>> {
    if (this.#done) return { value: undefined, done: true };
    this.#started ??= this.start();
    try {
      const { output } = await this.#started;
      for (;;) {
        const part = await output.nextPart();
        if (part === undefined) {
          await this.#end(false);
          return { value: undefined, done: true };
        }
        if (part.length === 0) continue;
        this.#part = part;
        this.#at = 1;
        return { value: part[0]!, done: false };
      }
    } catch (error) {
      await this.#end(true);
      throw error;
    }
  }

  /** Once: stops the job if `early` and it still runs, and releases its source. */
  async #end(early: boolean): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    this.#part = [];
    const started = await this.#started?.catch(() => undefined);
    if (early) started?.stop();
    await started?.release();
  }
}
