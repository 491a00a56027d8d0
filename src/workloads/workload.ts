// What a built-in workload provides: a size knob, a sequential reference, the same computation on a
// weft pool, and a check of the parallel answer against the sequential one.
import type { JobOptions } from "../pool/collection.ts";
import type { Pool } from "../pool/pool.ts";

/** Knobs of the synthetic workload; the others ignore them. */
export interface Knobs {
  /** Cost of one item in microseconds of busy work. */
  readonly itemMicros?: number;
  /** Share of the sequential time spent in a part that cannot run in parallel, 0 to 1. */
  readonly serialFraction?: number;
}

export interface Workload<Answer> {
  /** Short name used on the command line: `weft bench primes`. */
  readonly name: string;
  /** One line for `weft workloads`. */
  readonly summary: string;
  /** What one item is, plural: "numbers", "rows", "lines". */
  readonly unit: string;
  /** The knobs this workload takes, with the values it uses when none is given. */
  readonly knobDefaults?: Required<Knobs>;
  /** The size used when none is given; sized so the sequential run takes a few seconds on one core. */
  readonly defaultSize: number;
  /** A size for smoke runs and tests: well under a second sequentially. */
  readonly quickSize: number;
  /** The size in words, for tables: "primes below 20,000,000". */
  describe(size: number): string;
  /** Items the parallel run feeds to the pool at this size; throughput is items per second. */
  items(size: number): number;
  /** The reference: a plain loop on the calling thread, no pool. */
  sequential(size: number, knobs?: Knobs): Answer;
  /** The same computation through weft's public API, on any backend; `options` apply to its jobs. */
  parallel(pool: Pool, size: number, knobs?: Knobs, options?: JobOptions<"fail-fast">): Promise<Answer>;
  /** Why `got` differs from `expected`, or undefined when it matches (floating point: within the stated tolerance). */
  mismatch(expected: Answer, got: Answer): string | undefined;
}
