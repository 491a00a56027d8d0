// The per-workload summary as rows of text cells, one per run, shared by the terminal table and the HTML
// report so both show the same numbers.
import type { Baseline, ScalingPoint, WorkloadAnalysis } from "./analysis.ts";
import { formatCount, formatFraction, formatMs, formatPercent, formatSpeedup } from "./format.ts";

export const summaryHeaders = ["run", "size", "median ms", "spread", "speedup", "efficiency", "Karp-Flatt e"];

export interface SummaryRow {
  /** In `summaryHeaders` order; a sequential row stops after the spread. */
  readonly cells: readonly string[];
  /** More workers than cores: the reports flag the row. */
  readonly oversubscribed: boolean;
}

/** By size, so under weak scaling each parallel row sits under the sequential run it is compared with. */
export function summaryRows({ baselines, points }: WorkloadAnalysis): SummaryRow[] {
  const sizes = [...new Set([...baselines.map((b) => b.size), ...points.map((p) => p.size)])];
  return sizes
    .sort((a, b) => a - b)
    .flatMap((size) => [
      ...baselines.filter((b) => b.size === size).map(baselineRow),
      ...points.filter((p) => p.size === size).map(pointRow),
    ]);
}

function baselineRow({ size, stats }: Baseline): SummaryRow {
  return {
    cells: ["sequential", formatCount(size), formatMs(stats.medianMs), formatPercent(stats.spread)],
    oversubscribed: false,
  };
}

function pointRow(point: ScalingPoint): SummaryRow {
  return {
    cells: [
      `${point.workers} worker${point.workers === 1 ? "" : "s"}`,
      formatCount(point.size),
      formatMs(point.parallel.medianMs),
      formatPercent(point.parallel.spread),
      formatSpeedup(point.speedup),
      formatPercent(point.efficiency),
      formatFraction(point.karpFlatt),
    ],
    oversubscribed: point.oversubscribed,
  };
}
