// What `npm run bench:install` saves (docs/results/install.json with --publish).
import type { PublishedMeta } from "../../src/scaling/publish.ts";

/** Milliseconds over the timed runs, each in a fresh Node.js process. */
export interface Timing {
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly samplesMs: readonly number[];
}

export interface InstallReport {
  readonly meta: PublishedMeta & { readonly repeat: number; readonly workers: number };
  /** Bytes under node_modules of an empty project after `npm install` of the packed tarball. */
  readonly installBytes: number;
  readonly import: Timing;
  /** From weft() to the first result of a one-item job on a pool of `meta.workers` threads. */
  readonly poolAndOneItem: Timing;
  /**
   * The floor under it: two bare worker_threads Workers, from a module file, each answering one
   * message, in fresh processes taking turns with the pool's.
   */
  readonly bareWorkers: Timing;
}
