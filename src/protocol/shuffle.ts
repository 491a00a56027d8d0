// Keyed work across workers (a shuffle): the map side combines each chunk by key and writes its
// records into one file per partition; the reduce side reads a partition's files and merges them.
//
// Only file names, offsets and counts travel; the records stay in the shuffle directory.
import type { TaskRef } from "./task-ref.ts";

/**
 * What a keyed operation does with a key's records. Each is the same on both sides: the map side
 * combines a chunk's records by key, the reduce side merges those combined records per partition.
 * - `reduceByKey`: records `[key, value]`, values combined with `combine`.
 * - `groupBy`: records `[key, items]`, a key's items in input order.
 * - `distinct`: records `[key, item]`, the first item seen with the key.
 * - `join`: records `[key, items]` per side; the reduce side pairs each left item with each right one.
 * - `sortBy`: records `[key, item]` in sorted runs, read back by key range (see {@link SortedRun}).
 */
export type KeyedOp =
  | { readonly kind: "reduceByKey"; readonly combine: TaskRef }
  | { readonly kind: "groupBy" }
  | { readonly kind: "distinct" }
  | { readonly kind: "join" }
  | { readonly kind: "sortBy"; readonly descending: boolean };

/** The map side's terminal: how a chunk's items become records, and where they go. */
export interface ShuffleWrite {
  readonly op: "shuffle";
  readonly keyed: KeyedOp;
  /** The key of an item; without it the item is its own key (`distinct()`). */
  readonly key?: TaskRef;
  /** `reduceByKey`'s value function; without it the item is the value. */
  readonly value?: TaskRef;
  readonly partitions: number;
  /** The job's shuffle directory, which every worker can read and write. */
  readonly directory: string;
  /** Which input of a join this is: 0 for the left collection, 1 for the right. */
  readonly side: number;
  /** Bytes of records a worker holds before it writes them out (spills) and starts afresh. */
  readonly budget: number;
}

/** A file of records for one partition, written by one chunk (possibly in several spills). */
export interface PartitionFile {
  readonly partition: number;
  readonly name: string;
  readonly side: number;
  readonly records: number;
  readonly bytes: number;
}

/**
 * One block of a sorted run: its records' byte range in the run's file, and its first and last
 * keys, by which the caller picks the key ranges of partitions and which blocks each one reads.
 */
export interface RunBlock {
  readonly start: number;
  readonly end: number;
  readonly records: number;
  readonly first: SortKey;
  readonly last: SortKey;
}

/** A `sortBy` chunk's records, sorted, in blocks; a chunk that spilled writes several runs. */
export interface SortedRun {
  readonly name: string;
  readonly blocks: readonly RunBlock[];
}

/** What a map-side chunk reports: the files it wrote (a sort's runs, for `sortBy`). */
export interface WrittenShuffle {
  readonly files: readonly PartitionFile[];
  readonly runs: readonly SortedRun[];
}

/** The part of a file a partition reads: all of it, or (a sorted run) a byte range. */
export interface PartitionPiece {
  readonly name: string;
  readonly side: number;
  readonly start?: number;
  readonly end?: number;
}

/** One partition as the reduce side reads it: its pieces in input order, and for `sortBy` its key range. */
export interface PartitionRead {
  readonly index: number;
  readonly directory: string;
  readonly pieces: readonly PartitionPiece[];
  /** `sortBy`: the partition holds keys from `low` (inclusive) to `high` (exclusive); absent is unbounded. */
  readonly low?: { readonly key: SortKey };
  readonly high?: { readonly key: SortKey };
}

/** The keys `sortBy` orders by: all numbers (and bigints), or all strings. */
export type SortKey = number | bigint | string;

/** Sort keys in ascending order: by value for numbers and bigints, by UTF-16 code units for strings. */
export function compareKeys(a: SortKey, b: SortKey): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
