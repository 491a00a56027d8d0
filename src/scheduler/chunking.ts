// The chunk-size policy, as a pure function. The README beside this file explains the reasoning.
import type { Terminal } from "../protocol/plan.ts";

/** User bounds on chunk size, in items. */
export interface ChunkBounds {
  /** Never send fewer items than this in a chunk (except the job's last). @default 1 */
  readonly minChunk: number;
  /** Never send more items than this in a chunk. @default Infinity */
  readonly maxChunk: number;
}

export interface ChunkSizeInput {
  /** Measured milliseconds per input item, or undefined before the first chunk comes back. */
  readonly costPerItemMs: number | undefined;
  /** Items that can be sent now. */
  readonly available: number;
  /** Items left in the whole job if known (a closed source), else undefined (an open stream). */
  readonly remaining: number | undefined;
  /** Items in the whole job, sent or not, when `remaining` is known. */
  readonly total?: number | undefined;
  readonly workers: number;
  /**
   * The threads those workers run on, when several workers share one (a cluster gives each thread two
   * slots, so the next chunk already waits in Redis): the tail is shared among threads. @default workers
   */
  readonly threads?: number;
  readonly bounds: ChunkBounds;
  /** What a chunk's trip to a worker and back costs beyond its work, in ms (about 0.04 on threads, 5 through Redis). */
  readonly chunkTripMs: number;
  /**
   * How long one chunk should run, in ms: {@link targetChunkMs}, {@link shuffleChunkMs} for a shuffle,
   * {@link sinkChunkMs} for a sink ({@link chunkTargets}).
   */
  readonly targetMs?: number;
  /** For a job whose every chunk writes a part file (a sink), what it asks of its chunks ({@link chunkTargets}). */
  readonly part?: PartSizing;
  /**
   * The time one chunk takes of what every chunk passes through one at a time (the coordinator's
   * thread, one Redis), in ms; 0 where that is negligible. See {@link loadShare}.
   */
  readonly chunkLoadMs?: number;
}

/**
 * How long one chunk should run. Each chunk that returns wakes the pool's thread, which takes a
 * core from a worker when there are as many workers as cores, so shorter chunks cost the workers
 * time; this is where weft keeps level with hand-cut ranges on cheap items in bulk (README.md
 * beside this file; the `coarse` benchmark measures it). Balance at the end comes from the
 * shrinking tail, not from small chunks.
 */
export const targetChunkMs = 40;
/**
 * How long one chunk of a shuffle's map side should run. Its table of partials is written out and
 * merged once per chunk, at a cost that grows with the distinct keys it holds, not with its items:
 * a word count's 4 MiB range holds nearly the whole vocabulary, so at 40 ms a chunk that write-out
 * and its merge took a fifth of the job. A chunk combined over ten times the input pays it once for
 * all of it; the tail still shrinks as for every job (README.md beside this file).
 */
export const shuffleChunkMs = 400;
/**
 * Near the end of a job of known size, a chunk takes at most remaining / (tailSplit × workers)
 * items. The cost estimate comes from items already measured, so where cost rises along the input
 * (Mandelbrot rows entering the set) chunks sized from the cheap ones carry dear ones; with the
 * textbook share of 2, a few of them could hold a large block of dear rows, and the last to run
 * ran alone at the end. The price of 8 is more small chunks at the very end, which the floor below
 * keeps worth their messages. README.md beside this file explains it; the `skewed` benchmark
 * measures it.
 */
export const tailSplit = 8;
/**
 * Near the end, a chunk is planned to run for at least this many of its backend's round trips, so
 * the shrinking tail stops shrinking where messages would cost more than balance gains. On threads
 * that is a fraction of a millisecond and hardly matters; through Redis it keeps a job of cheap
 * items from ending in hundreds of chunks that each cost more to send than to run. The floor is never
 * above the tail's share of the whole job, `total / (tailSplit × workers)`: an estimate taken from
 * cheap items must not let it swallow the tail. It is held against the whole job, not what remains,
 * so that it stays put as the job drains and the tail ends in a bounded number of chunks.
 */
export const tailTrips = 4;
/**
 * On a large cluster one coordinator and one Redis carry every chunk: with W workers (slots) running
 * chunks of T ms that each cost them L ms, they are busy about W × L / (2 × T) of the time (a thread
 * holds two slots). Chunks run at least 2 × W × L ms, so that share stays below a quarter, and the
 * tail stops shrinking at W × L ms, below a half even as every worker finishes at once. On threads
 * and processes L is negligible and nothing changes; on a cluster of a thousand threads, where the
 * coordinator saturated at about 120 threads of 40 ms chunks, chunks grow to a second or so
 * (`npm run simulate` shows both; docs/cluster.md).
 */
export const loadShare = { run: 2, tail: 1 } as const;
/** Chunk size while nothing has been measured: one item, so an expensive task never starts in a big batch. */
export const probeChunk = 1;

/**
 * How long one chunk of a sink (`writeLines`, `writeJson`, `writeCsv`, `writeParquet`) should run.
 * Each chunk writes a part file, one in each partition folder it has records for, and a part costs
 * beyond its records: its writer creates, syncs and renames it, and every reader opens it (Spark
 * counts an open as reading 4 MB, and DuckDB and Dask pay one too). At 40 ms a chunk, a sink of cheap
 * records wrote hundreds of parts of a few dozen records each; a second of encoding makes a part of
 * tens of MB, or a whole partition's share of a small job ({@link sinkPartMs} below).
 */
export const sinkChunkMs = 1000;
/**
 * Where a sink's shrinking tail stops, in ms of work: its last parts are half a full one, not a few
 * records, and the workers still finish within half a second of each other. Unlike the trips' floor,
 * it is held against a sink's share of the whole job, `total / (sinkSplit × workers)`, not the
 * tail's: a small sink is cut into four parts a worker, whatever its records cost.
 */
export const sinkPartMs = 500;
/**
 * A sink's probes and tail floor are never above `total / (sinkSplit × workers)`: each worker gets
 * four chunks or more, two of them in its slots at once, so every worker writes. Not the textbook
 * two: a chunk sized from cheap items could then hold a block of dear ones (a costly map before the
 * sink) and run alone at the end, and the scheduler's simulation of such a job failed its bound.
 * The tail's own 1/`tailSplit` share stays the cap of every other job's floor, whose chunks cost
 * nothing to have many of.
 */
export const sinkSplit = 4;
/**
 * A sink's chunks before anything is measured, in records (within its share of the job, as above),
 * when they go to the writer as they are; an item that holds many records (a byte range, a row
 * group) is a probe alone, and so is a record that a task runs on before the sink. A probe of one
 * record would be a part of one record, and the time it is measured at holds its part's creation and
 * sync, a few ms, so the chunks sized from it would be small too; a thousand records dilute that to a
 * few µs each. Only the writer's own cost is known to be small: a thousand records through a costly
 * map (20 ms each) ran for seconds before anything was measured and failed a `timeout` of 5 s.
 */
export const sinkProbeChunk = 1000;

/** What a job whose every chunk writes a part file (a sink) asks of its chunks beyond their target. */
export interface PartSizing {
  /** The least a chunk of its tail runs, in ms: {@link sinkPartMs}. */
  readonly leastMs: number;
  /** Its chunks' size before anything is measured, in items (within its share of the job). */
  readonly probe: number;
}

/**
 * How the chunks of a job are sized, by what they end in (its terminal's `op`): a sink's longer and
 * never small, a shuffle's longer, any other job's by the defaults. `recordsAsTheyAre` is true where
 * each item is one record that reaches the sink with no task run on it first: only then is a probe
 * more than one item ({@link sinkProbeChunk}).
 */
export function chunkTargets(
  op: Terminal["op"],
  recordsAsTheyAre: boolean,
): { chunkMs?: number; part?: PartSizing } {
  // A shuffle's chunk writes out its table of partials once, whatever its size.
  if (op === "shuffle") return { chunkMs: shuffleChunkMs };
  if (op === "write")
    return {
      chunkMs: sinkChunkMs,
      part: { leastMs: sinkPartMs, probe: recordsAsTheyAre ? sinkProbeChunk : 1 },
    };
  return {};
}

export function chunkSize(input: ChunkSizeInput): number {
  const { costPerItemMs, available, remaining, workers, bounds, chunkTripMs, part } = input;
  const threads = input.threads ?? workers;
  const total = Math.max(input.total ?? 0, remaining ?? 0);
  // A sink's share of a job of known size: its probes and its tail's floor stay within it.
  const partShare = remaining === undefined ? Infinity : Math.ceil(total / (sinkSplit * threads));
  let size: number;
  if (costPerItemMs === undefined) {
    size = part === undefined ? probeChunk : Math.min(part.probe, partShare);
  } else {
    const perItem = Math.max(costPerItemMs, 1e-6);
    const load = workers * (input.chunkLoadMs ?? 0);
    size = Math.floor(Math.max(input.targetMs ?? targetChunkMs, loadShare.run * load) / perItem);
    if (remaining !== undefined) {
      // Guided self-scheduling: toward the end each chunk takes a shrinking share of what is left,
      // so the last chunks finish together instead of one worker running a big one alone.
      const share = Math.ceil(remaining / (tailSplit * threads));
      const floor = Math.min(
        Math.floor(Math.max(tailTrips * chunkTripMs, loadShare.tail * load, part?.leastMs ?? 0) / perItem),
        part === undefined ? Math.ceil(total / (tailSplit * threads)) : partShare,
      );
      size = Math.min(size, Math.max(share, floor));
    }
  }
  size = Math.min(Math.max(size, bounds.minChunk, 1), bounds.maxChunk);
  return Math.min(size, available);
}

/**
 * Per-job estimate of the cost of one item, from the time workers report spent on each chunk.
 * An exponentially weighted mean, so a job whose items get dearer (primes grow, Mandelbrot rows
 * enter the set) is followed within a few chunks. A chunk of many more items than the one before
 * weighs by its share of the two: the probes of a job's start are single items, run cold and timed
 * on a coarse clock, and with even weights their cost would linger for a dozen chunks, each sized
 * from it half as big as it should be (through Redis, a dozen round trips before a job of cheap
 * items runs at full size).
 */
export class CostEstimator {
  #perItemMs: number | undefined;
  #lastItems = 0;

  get perItemMs(): number | undefined {
    return this.#perItemMs;
  }

  record(items: number, busyMs: number): void {
    if (items <= 0) return;
    const sample = Math.max(busyMs, 0) / items;
    const weight = Math.max(0.5, items / (items + this.#lastItems));
    this.#lastItems = items;
    this.#perItemMs =
      this.#perItemMs === undefined ? sample : (1 - weight) * this.#perItemMs + weight * sample;
  }
}

/**
 * Windows of `concurrency` items a chunk holds at least. A worker's window empties at the end of
 * each chunk (its last items wait alone), so a chunk of one window would leave it half idle.
 */
export const windowsPerChunk = 8;

/**
 * The bounds for a job whose workers run `concurrency` items at once: a chunk holds at least
 * {@link windowsPerChunk} windows (within `maxChunk`).
 */
export function boundsForConcurrency(bounds: ChunkBounds, concurrency: number): ChunkBounds {
  const least = windowsPerChunk * concurrency;
  if (concurrency <= 1 || least <= bounds.minChunk) return bounds;
  return { ...bounds, minChunk: Math.min(least, bounds.maxChunk) };
}
