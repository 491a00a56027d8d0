// The plan a worker executes: a fused pipeline of per-item stages and one terminal that combines a chunk.
import type { FileFormat, FileRange } from "./files.ts";
import type { SinkFormat } from "./sinks.ts";
import type { KeyedOp, PartitionRead, ShuffleWrite } from "./shuffle.ts";
import type { TaskRef } from "./task-ref.ts";

/** A per-item step; consecutive steps run fused on the worker, one pass per chunk. */
export interface Stage {
  readonly op: "map" | "filter" | "flatMap";
  readonly task: TaskRef;
}

/** How a chunk's outputs are combined on the worker before they travel back. */
export type Terminal =
  | { readonly op: "collect" }
  | { readonly op: "count" }
  | { readonly op: "reduce"; readonly task: TaskRef }
  | { readonly op: "fold"; readonly zero: unknown; readonly task: TaskRef }
  | { readonly op: "reduceByKey"; readonly key: TaskRef; readonly value?: TaskRef; readonly combine: TaskRef }
  | { readonly op: "groupBy"; readonly key: TaskRef }
  /**
   * Each item is an argument list; every call settles on its own (used by `submit`). `with`, if
   * given, comes first in every call, as a reference that `task` loads itself (an actor's factory):
   * it travels in the plan, so a cluster names it and its workers check it like any other task.
   */
  | { readonly op: "call"; readonly task: TaskRef; readonly with?: TaskRef }
  /**
   * A sink: each attempt at a chunk writes its parts under `directory/_temporary/token/` (see
   * sinks.ts), which the pool moves into place when the whole job has succeeded; with
   * `partitionBy`, into a `field=value/` folder per record, without those fields.
   */
  | {
      readonly op: "write";
      readonly format: SinkFormat;
      readonly directory: string;
      readonly token: string;
      readonly partitionBy?: readonly string[];
    }
  /** The map side of a keyed operation with partitions (see shuffle.ts). */
  | ShuffleWrite;

/** Everything a worker needs to run any chunk of one job; sent once per worker, then referenced by id. */
export interface JobSpec {
  readonly id: number;
  readonly stages: readonly Stage[];
  readonly terminal: Terminal;
  /** Items of a chunk a worker runs at once, for async tasks; absent: one at a time. */
  readonly concurrency?: number;
}

export type TypedArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/** The input of one chunk. Ranges are generated on the worker; typed arrays on a SharedArrayBuffer are views, not copies. */
export type ChunkInput =
  | { readonly kind: "items"; readonly items: readonly unknown[] }
  /** Items `origin + (first + k) * step` for k < count: computed from the absolute index, so chunking never changes a value. */
  | {
      readonly kind: "range";
      readonly origin: number;
      readonly step: number;
      readonly first: number;
      readonly count: number;
    }
  | { readonly kind: "typed"; readonly array: TypedArray }
  /** Byte ranges of files, each one item for the scheduler; the worker reads their lines itself. */
  | { readonly kind: "file"; readonly format: FileFormat; readonly ranges: readonly FileRange[] }
  /** Partitions of a shuffle, each one item for the scheduler; the worker merges their records itself. */
  | {
      readonly kind: "partition";
      readonly keyed: KeyedOp;
      readonly partitions: readonly PartitionRead[];
      /** Bytes of merged records a worker holds before it splits a partition further on disk. */
      readonly budget: number;
    };

/**
 * When a rate-limited chunk's items may start: item k no sooner than `startAt + k × intervalMs`
 * (wall-clock ms since the epoch, so a chunk that waited behind another keeps its slots), and
 * `intervalMs` after the item before it. The pool hands each chunk its own stretch of the job's
 * schedule, so together the items start at most at the job's rate.
 */
export interface Pace {
  readonly startAt: number;
  readonly intervalMs: number;
}

/** One unit of work: a slice of a job's input, starting at input index `start`. */
export interface Chunk {
  readonly jobId: number;
  readonly seq: number;
  readonly start: number;
  readonly input: ChunkInput;
  /** Set on the last attempt of a chunk under the `collect` error policy: failing items are noted and skipped. */
  readonly skipFailures?: boolean;
  /** A job's rate limit, as this chunk's share of it: see {@link Pace}. */
  readonly pace?: Pace;
  /** The W3C traceparent of the chunk's span, when the pool traces its work: its tasks run in that context. */
  readonly trace?: string;
}

/** A call made with `submit` that failed, by its index within the chunk. */
export interface CallFailure {
  readonly offset: number;
  readonly error: SerializedError;
}

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

/** A task that threw on one item, with where it happened. */
export interface ItemFailure {
  readonly task: string;
  /** The task's key (`taskKey` of its reference), by which the pool finds the task's own retry policy. */
  readonly taskKey?: string;
  readonly index: number;
  readonly preview: string;
  readonly error: SerializedError;
  /** For an item read from a file: the file and, when known, its line (from 1). */
  readonly file?: string;
  readonly line?: number;
}

/** What a worker reports for a chunk. Times are milliseconds on the shared wall clock (`performance.timeOrigin + now()`). */
export type ChunkOutcome =
  | {
      readonly ok: true;
      readonly partial: unknown;
      /** Items skipped because they threw (only when the chunk was sent with `skipFailures`). */
      readonly failures: readonly ItemFailure[];
      readonly startedAt: number;
      readonly endedAt: number;
    }
  | { readonly ok: false; readonly failure: ItemFailure };

/** Item `offset` of an input that holds its items (files and partitions are read by their own loops). */
export function itemAt(input: Exclude<ChunkInput, { kind: "file" | "partition" }>, offset: number): unknown {
  if (input.kind === "items") return input.items[offset];
  if (input.kind === "range") return input.origin + (input.first + offset) * input.step;
  return input.array[offset];
}

export function inputLength(input: ChunkInput): number {
  switch (input.kind) {
    case "items":
      return input.items.length;
    case "range":
      return input.count;
    case "typed":
      return input.array.length;
    case "file":
      return input.ranges.length;
    case "partition":
      return input.partitions.length;
  }
}

/** What a chunk holds, for messages: `items 3..7`, or the file ranges it reads. */
export function describeChunkInput(chunk: Chunk): string {
  const { input, start } = chunk;
  if (input.kind === "partition") {
    const indexes = input.partitions.map((p) => p.index);
    return `partition${indexes.length > 1 ? "s" : ""} ${indexes.join(", ")}`;
  }
  if (input.kind !== "file") return `items ${start}..${start + inputLength(input) - 1}`;
  const at = (r: FileRange) => `${r.path} bytes ${r.start}..${r.end}`;
  const first = input.ranges[0]!;
  const last = input.ranges.at(-1)!;
  return first === last ? at(first) : `${at(first)} to ${at(last)}`;
}
