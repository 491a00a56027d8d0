// What `npm run bench:pipe` saves (bench/results/pipe.json, and with --publish docs/results/pipe.json).
import type { PublishedMeta } from "../../src/scaling/publish.ts";

export interface PipeRow {
  readonly task: string;
  readonly lines: number;
  /** The input's size (its lines are ASCII). */
  readonly bytes: number;
  /** Medians of whole-process times, in ms. */
  readonly loopMs: number;
  readonly weftMs: number;
  /**
   * The loop run as two processes at once, each on half the lines: what this machine's two cores
   * give a hand-split job of these lines, the ceiling for weft's ratio.
   */
  readonly splitMs: number;
  /** The loop's median time over weft pipe's. */
  readonly ratio: number;
  /** The loop's median time over the split's. */
  readonly splitRatio: number;
  readonly weftLinesPerSecond: number;
  /** Absent on a run shown for what it tells, not held to a target. */
  readonly target?: { readonly ratio: number } | { readonly linesPerSecond: number };
  readonly pass?: boolean;
}

export interface PipeReport {
  readonly meta: PublishedMeta & { readonly repeat: number };
  readonly rows: readonly PipeRow[];
}
