// What each partition of a shuffle reads, planned on this thread from what the map side reported:
// by hash, every file written for the partition; for sortBy, the key ranges of the partitions
// (chosen from the runs' blocks, so they hold about as many records each) and the blocks of every
// run that can hold keys in each range. Pure, so it is tested without workers.
import {
  compareKeys,
  type PartitionFile,
  type PartitionPiece,
  type PartitionRead,
  type SortedRun,
  type SortKey,
  type WrittenShuffle,
} from "../protocol/shuffle.ts";

/** The partitions of a hash shuffle: partition p reads every file written for it, in input order. */
export function hashPartitions(
  written: readonly WrittenShuffle[],
  partitions: number,
  directory: string,
): PartitionRead[] {
  const pieces: PartitionPiece[][] = Array.from({ length: partitions }, () => []);
  for (const chunk of written) for (const file of chunk.files) pieces[file.partition]!.push(pieceOf(file));
  return pieces.map((p, index) => ({ index, directory, pieces: p }));
}

function pieceOf(file: PartitionFile): PartitionPiece {
  return { name: file.name, side: file.side };
}

/**
 * The partitions of a sort: up to `partitions` key ranges, in output order, each with the byte
 * ranges of the runs' blocks that can hold its keys. Runs are in input order, which keeps the sort stable.
 */
export function sortPartitions(
  written: readonly WrittenShuffle[],
  partitions: number,
  directory: string,
  descending: boolean,
): PartitionRead[] {
  const order = descending ? (a: SortKey, b: SortKey) => compareKeys(b, a) : compareKeys;
  const runs: SortedRun[] = written.flatMap((w) => w.runs);
  checkKinds(runs);
  const splitters = chooseSplitters(runs, partitions, order);
  const reads: PartitionRead[] = [];
  for (let index = 0; index <= splitters.length; index++) {
    const low = index > 0 ? { key: splitters[index - 1]! } : undefined;
    const high = index < splitters.length ? { key: splitters[index]! } : undefined;
    const pieces: PartitionPiece[] = [];
    for (const run of runs) {
      // A run is sorted, so the blocks that can hold keys in [low, high) are contiguous.
      const from = run.blocks.findIndex((b) => low === undefined || order(b.last, low.key) >= 0);
      if (from < 0) continue;
      let to = from;
      while (to < run.blocks.length && (high === undefined || order(run.blocks[to]!.first, high.key) < 0))
        to++;
      if (to > from)
        pieces.push({
          name: run.name,
          side: 0,
          start: run.blocks[from]!.start,
          end: run.blocks[to - 1]!.end,
        });
    }
    reads.push({ index, directory, pieces, ...(low && { low }), ...(high && { high }) });
  }
  return reads;
}

/**
 * Keys that cut the records into about equal parts, from the first key of every block weighted by
 * its records; equal cuts are merged, so a key held by many records gives fewer partitions.
 */
function chooseSplitters(
  runs: readonly SortedRun[],
  partitions: number,
  order: (a: SortKey, b: SortKey) => number,
): SortKey[] {
  const samples = runs.flatMap((r) => r.blocks.map((b) => ({ key: b.first, records: b.records })));
  samples.sort((a, b) => order(a.key, b.key));
  const total = samples.reduce((sum, s) => sum + s.records, 0);
  const splitters: SortKey[] = [];
  let seen = 0;
  let next = 1;
  for (const sample of samples) {
    // A cut at this block's first key when the records before it reach the next share.
    while (next < partitions && seen >= (total * next) / partitions) {
      const last = splitters.at(-1);
      if (last === undefined || order(last, sample.key) < 0) splitters.push(sample.key);
      next++;
    }
    seen += sample.records;
  }
  // The lowest key starts the first partition, never a cut that would leave it empty.
  if (samples.length > 0 && splitters.length > 0 && order(splitters[0]!, samples[0]!.key) <= 0)
    splitters.shift();
  return splitters;
}

/** sortBy's keys must all be numeric or all strings across chunks, as they must within one. */
function checkKinds(runs: readonly SortedRun[]): void {
  const first = runs.find((r) => r.blocks.length > 0)?.blocks[0]?.first;
  if (first === undefined) return;
  const strings = typeof first === "string";
  for (const run of runs) {
    for (const block of run.blocks) {
      if ((typeof block.first === "string") !== strings) {
        throw new TypeError(
          `sortBy's keys must all be numbers (or bigints) or all strings: some chunks gave ${typeof first} keys, others ${typeof block.first} keys`,
        );
      }
    }
  }
}
