// What `weft bench` measured, as plain JSON-able data: every raw sample is kept, so any report can be
// recomputed later from the saved file alone.
import { availableParallelism, cpus, loadavg } from "node:os";
import type { ChunkRecord } from "../events/events.ts";

/** One chunk on the per-worker timeline. Times are ms from the start of the run it belongs to. */
export interface ChunkBar {
  readonly worker: number;
  readonly startMs: number;
  readonly endMs: number;
  /** Input items in the chunk. */
  readonly items: number;
}

/** Timed runs of the plain sequential loop at one size: the baseline of every speedup at that size. */
export interface SequentialSeries {
  readonly size: number;
  /** Items at this size, for throughput. */
  readonly items: number;
  /** Wall-clock ms of each timed run, in the order they ran. */
  readonly samplesMs: readonly number[];
}

/** Timed runs on a pool of `workers` workers at one size. */
export interface ParallelSeries {
  readonly workers: number;
  readonly size: number;
  readonly items: number;
  readonly samplesMs: readonly number[];
  /** The chunks of the median run (see `medianRunIndex`), where idle gaps between chunks show. */
  readonly timeline: readonly ChunkBar[];
}

/**
 * Strong scaling: one size, every worker count (how much faster does a fixed job get?).
 * Weak scaling: size = base size × workers, with a sequential series at each size (does a job that
 * grows with the workers keep its time?).
 */
export type ScalingKind = "strong" | "weak";

export interface WorkloadResult {
  /** The workload's name, as on the command line. */
  readonly workload: string;
  /** The workload in words at its base size (the size for one worker). */
  readonly description: string;
  /** What one item is, plural: "numbers", "rows". */
  readonly unit: string;
  /** The backend the parallel series ran on: "threads", "processes". */
  readonly backend: string;
  readonly scaling: ScalingKind;
  /** Workload knobs the run was given (e.g. a synthetic workload's `serialFraction`), to compare with the fits. */
  readonly knobs?: Readonly<Record<string, number>>;
  readonly sequential: readonly SequentialSeries[];
  readonly parallel: readonly ParallelSeries[];
  /** True when the run stopped before every series of this workload was measured. */
  readonly interrupted?: boolean;
}

export interface MachineInfo {
  /** Logical cores available to the process (`os.availableParallelism()`); more workers than this are oversubscribed. */
  readonly cores: number;
  readonly cpu: string;
  /** `process.version`. */
  readonly node: string;
  /** `${process.platform} ${process.arch}`. */
  readonly platform: string;
  /** The 1-minute load average when the run started: a busy machine makes every number noisier. */
  readonly loadAverage: number;
}

export interface BenchResults {
  readonly version: 1;
  /** ISO 8601 time the run started. */
  readonly startedAt: string;
  readonly machine: MachineInfo;
  /** Timed runs per series, after an untimed warm-up. */
  readonly repeat: number;
  /** False when the run was interrupted: the reports then show what was measured and say so. */
  readonly complete: boolean;
  readonly workloads: readonly WorkloadResult[];
}

/** The machine this process runs on, for `BenchResults.machine`. */
export function machineInfo(): MachineInfo {
  return {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverage: loadavg()[0] ?? 0,
  };
}

/**
 * Which of a series' runs is the median one, so its timeline is the one kept. With an even count
 * the median time falls between two runs; the faster of the two is taken.
 */
export function medianRunIndex(samplesMs: readonly number[]): number {
  if (samplesMs.length === 0) throw new RangeError("medianRunIndex: no samples");
  const order = samplesMs.map((ms, index) => ({ ms, index })).sort((a, b) => a.ms - b.ms);
  return order[(order.length - 1) >> 1]!.index;
}

/**
 * A run's chunk events as timeline bars. `runStartMs` is on the events' clock (`performance.timeOrigin +
 * performance.now()` when the run began), so bars start near 0 and runs can be compared.
 */
export function toChunkBars(records: readonly ChunkRecord[], runStartMs: number): ChunkBar[] {
  return records
    .map((r) => ({
      worker: r.worker,
      startMs: r.startedAt - runStartMs,
      endMs: r.endedAt - runStartMs,
      items: r.items,
    }))
    .sort((a, b) => a.worker - b.worker || a.startMs - b.startMs);
}
