// From the timed runs of a plain loop and of the same weft job to what weft adds per item, in nanoseconds.
// Pure, so test/bench checks the arithmetic without a pool.
import { median } from "../../src/scaling/analysis.ts";
import type { OverheadJobName } from "./jobs.ts";

/** The bound on what weft may add per item over a plain loop. */
export const overheadTargetNs = 5;

/** One job's timed runs: round r ran the plain loop and the weft job back to back. */
export interface OverheadSamples {
  readonly job: OverheadJobName;
  /** The weft job, as code. */
  readonly code: string;
  readonly plainMs: readonly number[];
  readonly weftMs: readonly number[];
}

export interface OverheadRow extends OverheadSamples {
  readonly plainNsPerItem: number;
  readonly weftNsPerItem: number;
  /** (weft median − plain median) / items: what weft adds to each item. Negative when weft was faster. */
  readonly overheadNsPerItem: number;
  /** The lowest and the highest of the rounds' own overheads, (weft − plain) / items within one round. */
  readonly lowNsPerItem: number;
  readonly highNsPerItem: number;
  /** overheadNsPerItem <= overheadTargetNs. */
  readonly pass: boolean;
}

/** The overhead section of a run: every job on the same items, on a pool of one worker thread. */
export interface OverheadReport {
  /** What each item computes. */
  readonly kernel: string;
  readonly items: number;
  readonly backend: "threads";
  readonly workers: 1;
  /** Timed rounds per job, after one warm-up of each side. */
  readonly rounds: number;
  readonly targetNsPerItem: number;
  readonly jobs: readonly OverheadRow[];
}

const nsPerItem = (ms: number, items: number) => (ms * 1e6) / items;

export function overheadRow(samples: OverheadSamples, items: number): OverheadRow {
  const { plainMs, weftMs } = samples;
  if (plainMs.length === 0 || plainMs.length !== weftMs.length) {
    throw new RangeError(
      `${samples.job}: ${plainMs.length} plain and ${weftMs.length} weft runs; want as many of each`,
    );
  }
  if (!(items > 0)) throw new RangeError(`${samples.job}: items must be positive, got ${items}`);
  const plainNsPerItem = nsPerItem(median(plainMs), items);
  const weftNsPerItem = nsPerItem(median(weftMs), items);
  const overheadNsPerItem = weftNsPerItem - plainNsPerItem;
  const rounds = weftMs.map((ms, r) => nsPerItem(ms - plainMs[r]!, items));
  return {
    ...samples,
    plainNsPerItem,
    weftNsPerItem,
    overheadNsPerItem,
    lowNsPerItem: Math.min(...rounds),
    highNsPerItem: Math.max(...rounds),
    pass: overheadNsPerItem <= overheadTargetNs,
  };
}
