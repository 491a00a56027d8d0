// What `npm run bench:data` saves (bench/results/data.json, and docs/results/data.json with --publish).
import { median } from "../../src/scaling/analysis.ts";
import type { PublishedMeta } from "../../src/scaling/publish.ts";
import type { Answer } from "./answers.ts";
import type { DaskInfo } from "./contenders.ts";
import type { WorkloadName } from "./workloads.ts";

export const contenderNames = ["readline", "weft-1", "weft-2", "dask-2"] as const;
/** The sequential readline loop, weft on 1 and 2 workers, Dask bag on 2 worker processes. */
export type ContenderName = (typeof contenderNames)[number];

/** A median over the timed runs, with the smallest and largest, and every sample in run order. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly samples: readonly number[];
}

/** The spread of `samples`, kept in their order. */
export function spread(samples: readonly number[]): Spread {
  return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples), samples };
}

export interface ContenderRuns {
  readonly ms: Spread;
  /** The calling process's peak RSS in each timed run, in MB (10^6 bytes). */
  readonly callerPeakMb: readonly number[];
  /** The largest worker process's peak RSS in each timed run, in MB; empty when the workers are threads of the caller. */
  readonly workerPeakMb: readonly number[];
  /** How far the most-grown worker process's RSS rose in each timed run, in MB. */
  readonly workerGrowthMb: readonly number[];
}

export interface WorkloadResult {
  readonly name: WorkloadName;
  readonly summary: string;
  /** The answer every contender gave, in every run. */
  readonly answer: Answer;
  readonly contenders: Record<ContenderName, ContenderRuns>;
  /** The readline loop's time over weft-2's, run by run (they ran back to back). */
  readonly speedup: Spread;
  /** weft-1's time over weft-2's, run by run. */
  readonly twoWorkersOverOne: Spread;
  /** Dask's time over weft-2's, run by run: how many times faster weft is. */
  readonly weftOverDask: Spread;
}

export interface SizeResult {
  readonly gb: number;
  readonly bytes: number;
  readonly lines: number;
  /** Rows of the user table: the distinct users of the log. */
  readonly userRows: number;
  readonly daskBlocksize: number;
  readonly daskPartitions: number;
  readonly workloads: readonly WorkloadResult[];
  /** Each contender's largest peak RSS over the workloads and runs of this size, in MB. */
  readonly peakRssMb: Record<
    ContenderName,
    { readonly caller: number; readonly workers: number | undefined }
  >;
}

/** A target and whether this run met it; `pass` is undefined when the run cannot tell. */
export interface Target {
  readonly target: string;
  readonly value: number | Record<string, number> | undefined;
  readonly pass: boolean | undefined;
}

export interface DataReport {
  readonly meta: PublishedMeta & {
    /** Timed runs per contender and workload, after one warm-up run each on a log of {@link warmUpGb}. */
    readonly repeat: number;
    /** The size of the log every contender's warm-up run reads, in GB. */
    readonly warmUpGb: number;
    /** weft's memory budget per worker (memoryBudgetMb). */
    readonly memoryBudgetMb: number;
    readonly seed: number;
    readonly sizesGb: readonly number[];
    /** The weft backend of weft-1 and weft-2. */
    readonly backend: "threads" | "processes";
    /** Whether each peak is a run's own (reset before it with /proc/<pid>/clear_refs) rather than a lifetime peak. */
    readonly perRunPeaks: boolean;
    readonly dask: Omit<DaskInfo, "blocksize" | "partitions"> & { readonly interpreter: string };
    /** Physical memory: files smaller than it are read from the page cache after the warm-up. */
    readonly memoryGb: number;
  };
  readonly sizes: readonly SizeResult[];
  /** At the largest size (the memory targets over every size). */
  readonly targets: {
    readonly speedup: Target;
    readonly callerPeakRss: Target;
    readonly flatAcrossSizes: Target;
    readonly fasterThanDask: Target;
    readonly workerPeakRss: Target;
  };
  readonly notes: readonly string[];
}
