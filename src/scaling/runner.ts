// Measures workloads the way the reports need them: the sequential reference and a pool of each
// worker count, at the same sizes, with every answer checked against the sequential one.
import type { ChunkRecord, Progress } from "../events/events.ts";
import type { Pool } from "../pool/pool.ts";
import { weft } from "../pool/weft.ts";
import type { BackendName } from "../pool/options.ts";
import type { Knobs, Workload } from "../workloads/workload.ts";
import {
  machineInfo,
  medianRunIndex,
  toChunkBars,
  type BenchResults,
  type ChunkBar,
  type ParallelSeries,
  type ScalingKind,
  type SequentialSeries,
  type WorkloadResult,
} from "./results.ts";

export interface BenchPlan {
  readonly workloads: readonly Workload<unknown>[];
  /** Worker counts, each run on a fresh pool. */
  readonly workers: readonly number[];
  /** Timed runs per series, after one untimed warm-up. */
  readonly repeat: number;
  readonly backend: Exclude<BackendName, "sequential">;
  readonly scaling: ScalingKind;
  /** The size for one worker; each workload's default when undefined. */
  readonly size: ((workload: Workload<unknown>) => number) | undefined;
  readonly knobs: Knobs;
  /** Stops the run between two measurements, or mid-run by closing the pool. */
  readonly signal?: AbortSignal;
}

/** What the runner is doing, for a progress display. */
export type BenchStep =
  | { readonly kind: "run"; readonly label: string; readonly items: number; readonly unit: string }
  | { readonly kind: "progress"; readonly progress: Progress }
  | { readonly kind: "measured"; readonly label: string; readonly ms: number };

/** A parallel answer differs from the sequential one: the measurement would be worthless. */
export class WrongAnswerError extends Error {
  override name = "WrongAnswerError";
}

/** The run was stopped by its signal; `results` holds what was measured before, marked incomplete. */
export class BenchInterruptedError extends Error {
  override name = "BenchInterruptedError";
  constructor(readonly results: BenchResults) {
    super("the benchmark was interrupted; the results are incomplete");
  }
}

export async function runBench(
  plan: BenchPlan,
  onStep: (step: BenchStep) => void = () => {},
): Promise<BenchResults> {
  const startedAt = new Date().toISOString();
  const machine = machineInfo();
  const done: WorkloadResult[] = [];
  const results = (complete: boolean): BenchResults => ({
    version: 1,
    startedAt,
    machine,
    repeat: plan.repeat,
    complete,
    workloads: done,
  });
  for (const workload of plan.workloads) {
    const partial = new PartialResult(workload, plan);
    try {
      await measureWorkload(workload, plan, partial, onStep);
    } catch (error) {
      if (!plan.signal?.aborted) throw error;
      done.push(partial.result(true));
      throw new BenchInterruptedError(results(false));
    }
    done.push(partial.result(false));
    if (plan.signal?.aborted) throw new BenchInterruptedError(results(false));
  }
  return results(true);
}

/** The series of one workload as they are measured, so an interrupted run keeps what it has. */
class PartialResult {
  readonly sequential: SequentialSeries[] = [];
  readonly parallel: ParallelSeries[] = [];

  constructor(
    readonly workload: Workload<unknown>,
    readonly plan: BenchPlan,
  ) {}

  result(interrupted: boolean): WorkloadResult {
    const { workload, plan } = this;
    const base = baseSize(workload, plan);
    const knobs = workload.knobDefaults && { ...workload.knobDefaults, ...definedKnobs(plan.knobs) };
    return {
      workload: workload.name,
      description: workload.describe(base),
      unit: workload.unit,
      backend: plan.backend,
      scaling: plan.scaling,
      ...(knobs && { knobs }),
      sequential: this.sequential,
      parallel: this.parallel,
      ...(interrupted && { interrupted }),
    };
  }
}

function definedKnobs(knobs: Knobs): Knobs {
  return Object.fromEntries(Object.entries(knobs).filter(([, value]) => value !== undefined));
}

function baseSize(workload: Workload<unknown>, plan: BenchPlan): number {
  return plan.size?.(workload) ?? workload.defaultSize;
}

async function measureWorkload(
  workload: Workload<unknown>,
  plan: BenchPlan,
  partial: PartialResult,
  onStep: (step: BenchStep) => void,
): Promise<void> {
  const base = baseSize(workload, plan);
  const sizeFor = (workers: number) => (plan.scaling === "weak" ? base * workers : base);
  const answers = new Map<number, unknown>();

  // Sequential first, at every size the parallel runs will use: the reference answers and the baselines.
  workload.sequential(workload.quickSize, plan.knobs); // warms the JIT on the same code
  for (const size of new Set(plan.workers.map(sizeFor))) {
    const samplesMs: number[] = [];
    const label = `${workload.name} sequential, ${workload.describe(size)}`;
    for (let run = 0; run < plan.repeat; run++) {
      plan.signal?.throwIfAborted();
      onStep({ kind: "run", label, items: workload.items(size), unit: workload.unit });
      const t0 = performance.now();
      const answer = workload.sequential(size, plan.knobs);
      const ms = performance.now() - t0;
      samplesMs.push(ms);
      onStep({ kind: "measured", label, ms });
      answers.set(size, answer);
    }
    partial.sequential.push({ size, items: workload.items(size), samplesMs });
  }

  for (const workers of plan.workers) {
    const size = sizeFor(workers);
    plan.signal?.throwIfAborted();
    await using pool = await weft({ backend: plan.backend, workers });
    const closeOnAbort = () => void pool.close();
    plan.signal?.addEventListener("abort", closeOnAbort, { once: true });
    try {
      // Loads the task modules in every worker and warms their JIT before the clock starts.
      await workload.parallel(pool, workload.quickSize, plan.knobs);
      const label = `${workload.name} on ${workerNoun(plan.backend, workers)}`;
      const runs: { ms: number; timeline: ChunkBar[] }[] = [];
      for (let run = 0; run < plan.repeat; run++) {
        plan.signal?.throwIfAborted();
        onStep({ kind: "run", label, items: workload.items(size), unit: workload.unit });
        const measured = await timedRun(pool, () => workload.parallel(pool, size, plan.knobs), onStep);
        const problem = workload.mismatch(answers.get(size), measured.answer);
        if (problem !== undefined) {
          throw new WrongAnswerError(
            `${workload.name} on ${workers} workers, ${workload.describe(size)}: ${problem}`,
          );
        }
        runs.push(measured);
        onStep({ kind: "measured", label, ms: measured.ms });
      }
      const samplesMs = runs.map((r) => r.ms);
      partial.parallel.push({
        workers,
        size,
        items: workload.items(size),
        samplesMs,
        timeline: runs[medianRunIndex(samplesMs)]!.timeline,
      });
    } finally {
      plan.signal?.removeEventListener("abort", closeOnAbort);
    }
  }
}

async function timedRun(
  pool: Pool,
  run: () => Promise<unknown>,
  onStep: (step: BenchStep) => void,
): Promise<{ answer: unknown; ms: number; timeline: ChunkBar[] }> {
  const chunks: ChunkRecord[] = [];
  const onChunk = (c: ChunkRecord) => chunks.push(c);
  const onProgress = (progress: Progress) => onStep({ kind: "progress", progress });
  pool.events.on("chunk", onChunk);
  pool.events.on("progress", onProgress);
  try {
    const wallStart = performance.timeOrigin + performance.now();
    const t0 = performance.now();
    const answer = await run();
    const ms = performance.now() - t0;
    return { answer, ms, timeline: toChunkBars(chunks, wallStart) };
  } finally {
    pool.events.off("chunk", onChunk);
    pool.events.off("progress", onProgress);
  }
}

function workerNoun(backend: BenchPlan["backend"], workers: number): string {
  const [one, many] = backend === "threads" ? ["thread", "threads"] : ["process", "processes"];
  return `${workers} ${workers === 1 ? one : many}`;
}
