// The options of a keyed operation with partitions, and the shape of its map side. The shuffle itself
// (shuffle-source.ts) loads when a job first runs one.
import { OptionError } from "../errors.ts";
import type { Failure } from "../jobs/collection-job.ts";
import type { WrittenShuffle } from "../protocol/shuffle.ts";
import { positiveInteger } from "./options.ts";

/** Options of the keyed operations with partitions (`reduceByKey`, `groupBy`, `distinct`, `join`). */
export interface KeyedOptions {
  /**
   * How many partitions the keys are spread over. Each is merged on one worker, so more partitions
   * balance better and hold less each; every chunk writes up to one file per partition.
   * @default four per worker
   */
  readonly partitions?: number;
}

/** Options of `sortBy`. */
export interface SortOptions extends KeyedOptions {
  /** Largest key first. @default false */
  readonly descending?: boolean;
}

/** The most partitions a shuffle may have: each chunk may write a file for every one. */
export const maxPartitions = 100_000;

export function resolvePartitions(options: KeyedOptions | undefined, workers: number): number {
  if (options === undefined || options.partitions === undefined) return Math.max(1, workers) * 4;
  const partitions = positiveInteger("partitions", options.partitions);
  if (partitions > maxPartitions)
    throw new OptionError(`partitions must be at most ${maxPartitions}, got ${partitions}`);
  return partitions;
}

/** One input of a shuffle: runs its map side into `directory` as side `side`. */
export type MapSide = (
  directory: string,
  side: number,
) => Promise<{ written: readonly WrittenShuffle[]; failures: readonly Failure[] }>;
