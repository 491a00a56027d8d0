// Job inputs, cut into chunk inputs on demand. Ranges are never materialised; streams are read only as fast as workers take them.
import { itemsInput } from "../protocol/packing.ts";
import type { ChunkInput, TypedArray } from "../protocol/plan.ts";

/** Told by an open source as its items become ready. */
export interface SourceListener {
  offer(items: number): void;
  end(): void;
  fail(error: unknown): void;
}

/** A job's input. A closed source knows its size up front; an open one offers items as it reads them. */
export interface Source {
  /** Starts reading. Returns the items ready now and whether that is all of them. */
  open(listener: SourceListener): { available: number; closed: boolean };
  /** The next `size` items, in input order; never more than were offered. */
  take(size: number): ChunkInput;
  /** Stop reading: the job is over. */
  stop(): void;
  /** False where a chunk's items are not the records tasks see (byte ranges, partitions). @default true */
  readonly itemsAreRecords?: boolean;
  /** The input index of the item `take` cuts next, where it is not the count of items taken so far. */
  readonly nextIndex?: number;
  /** For an input that can be read again from any item (see {@link Replayable}): what it is. */
  readonly replay?: Replayable;
}

/**
 * An input a job can be rebuilt from in another process and resumed at any item: a range, or the
 * items themselves. Streams are read once, and files are cut anew by each run, so they are not.
 */
export type Replayable =
  | { readonly kind: "range"; readonly from: number; readonly to: number; readonly step: number }
  | { readonly kind: "items"; readonly items: readonly unknown[] }
  | { readonly kind: "typed"; readonly array: TypedArray };

/** A source that can start cutting at any item: a replayable one. */
export interface SeekableSource extends Source {
  readonly replay: Replayable;
  /** The next `take` starts at input item `index`. */
  seek(index: number): void;
}

export class ArraySource implements SeekableSource {
  #next = 0;
  constructor(readonly items: readonly unknown[]) {}

  get replay(): Replayable {
    return { kind: "items", items: this.items };
  }

  seek(index: number): void {
    this.#next = index;
  }

  open() {
    return { available: this.items.length, closed: true };
  }

  take(size: number): ChunkInput {
    const start = this.#next;
    this.#next = Math.max(start, Math.min(this.items.length, start + size));
    return itemsInput(this.items, start, this.#next);
  }

  stop(): void {}
}

export class RangeSource implements SeekableSource {
  readonly #length: number;
  #next = 0;

  constructor(
    readonly from: number,
    readonly to: number,
    readonly step: number,
  ) {
    this.#length = Math.max(0, Math.ceil((to - from) / step));
  }

  get replay(): Replayable {
    return { kind: "range", from: this.from, to: this.to, step: this.step };
  }

  seek(index: number): void {
    this.#next = index;
  }

  open() {
    return { available: this.#length, closed: true };
  }

  take(size: number): ChunkInput {
    const input: ChunkInput = {
      kind: "range",
      origin: this.from,
      step: this.step,
      first: this.#next,
      count: size,
    };
    this.#next += size;
    return input;
  }

  stop(): void {}
}

/**
 * A typed array on a SharedArrayBuffer is sent as views (no copy) where the workers share memory;
 * any other, or across processes, as copied slices.
 */
export class TypedArraySource implements SeekableSource {
  #next = 0;
  constructor(
    readonly array: TypedArray,
    readonly workersShareMemory: boolean,
  ) {}

  get replay(): Replayable {
    return { kind: "typed", array: this.array };
  }

  seek(index: number): void {
    this.#next = index;
  }

  open() {
    return { available: this.array.length, closed: true };
  }

  take(size: number): ChunkInput {
    const from = this.#next;
    this.#next += size;
    // A view of an ordinary ArrayBuffer would be cloned whole, so a copy of just the slice is cheaper.
    const shared = this.workersShareMemory && this.array.buffer instanceof SharedArrayBuffer;
    const array = shared ? this.array.subarray(from, from + size) : this.array.slice(from, from + size);
    return { kind: "typed", array };
  }

  stop(): void {}
}

/** Items read ahead of the workers; the queue under every open source. */
class ReadAhead {
  #items: unknown[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: unknown): void {
    this.#items.push(item);
  }

  take(size: number): unknown[] {
    const items = this.#items.slice(this.#head, this.#head + size);
    this.#head += size;
    if (this.#head > 4096 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return items;
  }
}

/**
 * Any iterable or async iterable, read ahead by at most `readAhead` items: a huge or endless
 * input never fills memory, because reading pauses until workers take what was read.
 */
export class StreamSource implements Source {
  readonly #buffer = new ReadAhead();
  readonly #iterator: Iterator<unknown> | AsyncIterator<unknown>;
  #listener: SourceListener | undefined;
  #reading = false;
  #ended = false;
  #stopped = false;
  /** Items read and not yet offered to the job. */
  #unoffered = 0;
  #offerSoonPending = false;

  constructor(
    input: Iterable<unknown> | AsyncIterable<unknown>,
    readonly readAhead: number,
  ) {
    this.#iterator = Symbol.asyncIterator in input ? input[Symbol.asyncIterator]() : input[Symbol.iterator]();
  }

  open(listener: SourceListener) {
    this.#listener = listener;
    // Read after the caller has registered the job, so the first offer has somewhere to go.
    queueMicrotask(() => void this.#fill());
    return { available: 0, closed: false };
  }

  take(size: number): ChunkInput {
    const items = this.#buffer.take(size);
    void this.#fill();
    return itemsInput(items);
  }

  stop(): void {
    this.#stopped = true;
    if (!this.#ended) void this.#iterator.return?.();
  }

  async #fill(): Promise<void> {
    if (this.#reading || this.#ended || this.#stopped) return;
    this.#reading = true;
    try {
      while (this.#buffer.length < this.readAhead && !this.#stopped) {
        let step = this.#iterator.next();
        if (step instanceof Promise) {
          // What was read goes to the workers before a wait for more, but only once the wait is a
          // real one: an async iterator's items already at hand each cost a promise turn too, and
          // an offer each would wake the scheduler for every item.
          this.#offerSoon();
          step = await step;
        }
        if (step.done) {
          this.#ended = true;
          break;
        }
        this.#buffer.push(step.value);
        this.#unoffered++;
      }
      this.#offer();
      if (this.#ended) this.#listener?.end();
    } catch (error) {
      this.#ended = true;
      this.#listener?.fail(error);
    } finally {
      this.#reading = false;
    }
  }

  /** Offers what is read after the promise turns now due, when nothing else is ready to run. */
  #offerSoon(): void {
    if (this.#unoffered === 0 || this.#offerSoonPending) return;
    this.#offerSoonPending = true;
    setImmediate(() => {
      this.#offerSoonPending = false;
      this.#offer();
    });
  }

  #offer(): void {
    const items = this.#unoffered;
    this.#unoffered = 0;
    if (items > 0 && !this.#stopped) this.#listener?.offer(items);
  }
}

/** The calls made with `submit` for one task: an open source that never ends on its own. */
export class CallQueue implements Source {
  readonly #buffer = new ReadAhead();
  #listener: SourceListener | undefined;

  open(listener: SourceListener) {
    this.#listener = listener;
    return { available: this.#buffer.length, closed: false };
  }

  push(args: readonly unknown[]): void {
    this.#buffer.push(args);
    this.#listener?.offer(1);
  }

  take(size: number): ChunkInput {
    return { kind: "items", items: this.#buffer.take(size) };
  }

  stop(): void {}
}
