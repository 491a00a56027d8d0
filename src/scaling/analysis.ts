// From raw samples to what the reports say: per worker count the median time, its spread, speedup,
// efficiency and Karp–Flatt e, and per workload the scaling law fitted to the points that can be trusted.
import {
  amdahl,
  fitSerialFraction,
  gustafson,
  karpFlatt,
  rmsError,
  type ScalingLaw,
  type SpeedupPoint,
} from "./models.ts";
import type { BenchResults, ScalingKind, WorkloadResult } from "./results.ts";

/** Worker counts the fitted model is extrapolated to. */
export const predictionWorkers: readonly number[] = [4, 8, 16, 64];

export interface SampleStats {
  readonly runs: number;
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  /**
   * (max − min) / median: the whole range of the timed runs relative to their median. With the
   * handful of runs a benchmark affords, quartiles would rest on one or two samples each; the range
   * hides nothing.
   */
  readonly spread: number;
}

/** One worker count (and, under weak scaling, its size) against the sequential run at the same size. */
export interface ScalingPoint {
  readonly workers: number;
  readonly size: number;
  readonly items: number;
  readonly parallel: SampleStats;
  /** The sequential baseline at the same size; undefined when it was not measured (an interrupted run). */
  readonly sequential: SampleStats | undefined;
  /** Sequential median / parallel median; under weak scaling this is the scaled speedup. */
  readonly speedup: number | undefined;
  /** Speedup / workers. */
  readonly efficiency: number | undefined;
  /** Undefined for one worker or without a speedup. */
  readonly karpFlatt: number | undefined;
  /** More workers than cores: time-slicing, not parallelism. Reported, never fitted. */
  readonly oversubscribed: boolean;
}

/** A scaling law with the serial fraction that best fits the measurements. */
export interface ModelFit {
  /** Amdahl for strong scaling, Gustafson for weak scaling. */
  readonly law: ScalingLaw;
  readonly serialFraction: number;
  /** Worker counts of the points the fit used: more than one worker, within the cores, with a baseline. */
  readonly fittedWorkers: readonly number[];
  /** Root-mean-square distance of the fitted points from the model, in speedup units (0 for one point). */
  readonly rmsError: number;
  /** The model's speedup at each of `predictionWorkers`. */
  readonly predictions: readonly SpeedupPoint[];
}

/** The sequential run at one size. */
export interface Baseline {
  readonly size: number;
  readonly items: number;
  readonly stats: SampleStats;
}

export interface WorkloadAnalysis {
  readonly result: WorkloadResult;
  /** Sorted by size. */
  readonly baselines: readonly Baseline[];
  /** Sorted by workers, then size. */
  readonly points: readonly ScalingPoint[];
  /** Undefined when no point can be fitted (e.g. only one worker, or every run oversubscribed). */
  readonly model: ModelFit | undefined;
}

export interface BenchAnalysis {
  readonly cores: number;
  readonly workloads: readonly WorkloadAnalysis[];
}

export function analyze(results: BenchResults): BenchAnalysis {
  const { cores } = results.machine;
  return { cores, workloads: results.workloads.map((w) => analyzeWorkload(w, cores)) };
}

export function analyzeWorkload(result: WorkloadResult, cores: number): WorkloadAnalysis {
  const baselines = result.sequential
    .flatMap(({ size, items, samplesMs }) => {
      const stats = sampleStats(samplesMs);
      return stats === undefined ? [] : [{ size, items, stats }];
    })
    .sort((a, b) => a.size - b.size);
  const points = result.parallel
    .flatMap((series) => {
      const parallel = sampleStats(series.samplesMs);
      if (parallel === undefined) return [];
      const sequential = baselines.find((b) => b.size === series.size)?.stats;
      const speedup = sequential && sequential.medianMs / parallel.medianMs;
      const { workers, size, items } = series;
      return [
        {
          workers,
          size,
          items,
          parallel,
          sequential,
          speedup,
          efficiency: speedup === undefined ? undefined : speedup / workers,
          karpFlatt: speedup === undefined ? undefined : karpFlatt({ workers, speedup }),
          oversubscribed: workers > cores,
        },
      ];
    })
    .sort((a, b) => a.workers - b.workers || a.size - b.size);
  return { result, baselines, points, model: fitModel(lawFor(result.scaling), points) };
}

export function lawFor(scaling: ScalingKind): ScalingLaw {
  return scaling === "strong" ? amdahl : gustafson;
}

function fitModel(law: ScalingLaw, points: readonly ScalingPoint[]): ModelFit | undefined {
  const usable = points.flatMap(({ workers, speedup, oversubscribed }) =>
    speedup === undefined || oversubscribed || workers <= 1 ? [] : [{ workers, speedup }],
  );
  const serialFraction = fitSerialFraction(law, usable);
  if (serialFraction === undefined) return undefined;
  return {
    law,
    serialFraction,
    fittedWorkers: usable.map((p) => p.workers),
    rmsError: rmsError(law, serialFraction, usable),
    predictions: predictionWorkers.map((workers) => ({
      workers,
      speedup: law.speedup(serialFraction, workers),
    })),
  };
}

/** Undefined for no samples: a series the run never got to time. */
export function sampleStats(samplesMs: readonly number[]): SampleStats | undefined {
  if (samplesMs.length === 0) return undefined;
  const medianMs = median(samplesMs);
  const minMs = Math.min(...samplesMs);
  const maxMs = Math.max(...samplesMs);
  return { runs: samplesMs.length, medianMs, minMs, maxMs, spread: (maxMs - minMs) / medianMs };
}

/** The middle value; for an even count, the mean of the two middle values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("median of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
