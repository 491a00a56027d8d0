// A keyed operation with partitions, as the source of the collection after it: the map side runs
// first (one job per input collection), writing its records into a fresh shuffle directory; the
// partitions are then planned from what it reported, and read and merged on the workers by the jobs
// of the collection that follows. The directory goes when that job is over.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { hashPartitions, sortPartitions } from "../jobs/partition-plan.ts";
import { PartitionSource } from "../jobs/partition-source.ts";
import type { KeyedOp } from "../protocol/shuffle.ts";
import type { SourceFactory } from "./collection.ts";
import type { MapSide } from "./shuffle.ts";

/** What a shuffle needs of its pool. */
export interface ShuffleSettings {
  readonly spillDirectory: string;
  /** Bytes each worker may hold merging a partition before it splits it on disk. */
  readonly budget: number;
}

/** The source of the collection after a keyed operation: the shuffle, run afresh on each run. */
export function shuffleSource(
  settings: ShuffleSettings,
  keyed: KeyedOp,
  partitions: number,
  sides: readonly MapSide[],
): SourceFactory {
  return async () => {
    await mkdir(settings.spillDirectory, { recursive: true });
    const directory = await mkdtemp(join(settings.spillDirectory, "weft-shuffle-"));
    // A cancelled job settles before its workers' chunks stop: one may still write a file into the
    // directory as it goes, and rm then meets a directory not empty; Node retries that with a backoff.
    const release = () => rm(directory, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
    try {
      // Every side finishes (or fails) before the directory can go: none may still be writing into it.
      const settled = await Promise.allSettled(sides.map((run, side) => run(directory, side)));
      const failed = settled.find((s) => s.status === "rejected");
      if (failed) throw failed.reason;
      const results = settled.map((s) => (s as PromiseFulfilledResult<Awaited<ReturnType<MapSide>>>).value);
      const written = results.flatMap((r) => r.written);
      const reads =
        keyed.kind === "sortBy"
          ? sortPartitions(written, partitions, directory, keyed.descending)
          : hashPartitions(written, partitions, directory);
      return {
        source: new PartitionSource(keyed, reads, settings.budget),
        total: reads.length,
        failures: results.flatMap((r) => r.failures),
        release,
      };
    } catch (error) {
      // The job's own error is what the caller must see, not a failure to clean up after it.
      await release().catch(() => {});
      throw error;
    }
  };
}
