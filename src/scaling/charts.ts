// The HTML report's charts as Chart.js configurations: plain JSON, so the page embeds them as data and
// only has to hand each one to Chart.js.
import type { ChartConfiguration, ChartDataset } from "chart.js";
import type { ModelFit, WorkloadAnalysis } from "./analysis.ts";
import { formatCount, modelLabel } from "./format.ts";
import type { ParallelSeries } from "./results.ts";

/** A chunk as a floating bar: x is [start, end] in ms, y the worker's row. */
export interface TimelineDatum {
  readonly x: [number, number];
  readonly y: string;
  /** Shown in the bar's tooltip. */
  readonly items: number;
}

export type ChartSpec =
  | { readonly kind: "speedup" | "efficiency"; readonly config: ChartConfiguration<"scatter"> }
  | { readonly kind: "timeline"; readonly config: ChartConfiguration<"bar", TimelineDatum[], string> };

interface XY {
  readonly x: number;
  readonly y: number;
}

const colors = {
  measured: "#1f5fbf",
  oversubscribed: "#d9822b",
  ideal: "#8a8f98",
  model: "#c2334d",
  cores: "#5b6170",
};

/** Distinct neighbours, so adjacent workers' rows read apart. */
const workerColors = ["#1f5fbf", "#2e9e6a", "#8b5cc4", "#d9822b", "#c2334d", "#2a9bb0", "#7a8a1f", "#b0548a"];

/** Samples per model curve: enough for it to look smooth at any width the page allows. */
const curveSamples = 60;

/** Everything a chart shares: no animation, so a screenshot shows the final chart at once. */
function baseOptions(title: string) {
  return {
    animation: false as const,
    responsive: true,
    maintainAspectRatio: false,
    // Room for the measured points that sit on the plot's edge, which are drawn unclipped.
    layout: { padding: { top: 4, right: 12 } },
    plugins: {
      title: { display: true, text: title, font: { size: 14 } },
      legend: {
        position: "bottom" as const,
        labels: { usePointStyle: true, boxWidth: 10, font: { size: 12 } },
      },
    },
  };
}

export function speedupChart(workload: WorkloadAnalysis, cores: number): ChartSpec {
  const weak = workload.result.scaling === "weak";
  const measured = workload.points.flatMap(({ workers, speedup, oversubscribed }) =>
    speedup === undefined ? [] : [{ x: workers, y: speedup, oversubscribed }],
  );
  const maxWorkers = Math.max(1, ...workload.points.map((p) => p.workers));
  const ideal = [
    { x: 1, y: 1 },
    { x: maxWorkers, y: maxWorkers },
  ];
  const fit = workload.model;
  // Both laws stay at or under the ideal line (f >= 0), so the models never raise the axis.
  const yMax = axisTop(Math.max(maxWorkers, ...measured.map((p) => p.y)), 1);
  const datasets = [
    ...measuredDatasets(measured, cores),
    line("ideal (speedup = workers)", ideal, colors.ideal, [6, 4]),
    ...(fit
      ? [
          line(
            modelLabel(fit),
            modelCurve(fit, maxWorkers, (s) => s),
            colors.model,
          ),
        ]
      : []),
    ...coresMarker(cores, maxWorkers, yMax),
  ];
  const what = weak ? "scaled speedup" : "speedup";
  return {
    kind: "speedup",
    config: {
      type: "scatter",
      data: { datasets },
      options: {
        ...baseOptions(`${weak ? "Scaled speedup" : "Speedup"} vs workers`),
        scales: {
          x: workersAxis(maxWorkers),
          y: { min: 0, max: yMax, title: { display: true, text: `${what} (sequential / parallel)` } },
        },
      },
    },
  };
}

export function efficiencyChart(workload: WorkloadAnalysis, cores: number): ChartSpec {
  const measured = workload.points.flatMap(({ workers, efficiency, oversubscribed }) =>
    efficiency === undefined ? [] : [{ x: workers, y: 100 * efficiency, oversubscribed }],
  );
  const maxWorkers = Math.max(1, ...workload.points.map((p) => p.workers));
  const fit = workload.model;
  const yMax = axisTop(Math.max(100, ...measured.map((p) => p.y)), 20);
  const datasets = [
    ...measuredDatasets(measured, cores),
    line(
      "ideal (100%)",
      [
        { x: 1, y: 100 },
        { x: maxWorkers, y: 100 },
      ],
      colors.ideal,
      [6, 4],
    ),
    ...(fit
      ? [
          line(
            modelLabel(fit),
            modelCurve(fit, maxWorkers, (s, p) => (100 * s) / p),
            colors.model,
          ),
        ]
      : []),
    ...coresMarker(cores, maxWorkers, yMax),
  ];
  return {
    kind: "efficiency",
    config: {
      type: "scatter",
      data: { datasets },
      options: {
        ...baseOptions("Parallel efficiency vs workers"),
        scales: {
          x: workersAxis(maxWorkers),
          y: {
            min: 0,
            max: yMax,
            ticks: { stepSize: 20 },
            title: { display: true, text: "efficiency, % (speedup / workers)" },
          },
        },
      },
    },
  };
}

/**
 * The run whose timeline the report shows: the most workers the cores can run at once, where idle
 * gaps cost the most; with more workers than cores, time-slicing would blur the gaps.
 */
export function timelineSeries(workload: WorkloadAnalysis, cores: number): ParallelSeries | undefined {
  const shown = workload.result.parallel.filter((s) => s.timeline.length > 0);
  const fitting = shown.filter((s) => s.workers <= cores);
  return (fitting.length > 0 ? fitting : shown).reduce<ParallelSeries | undefined>(
    (best, s) => (best && best.workers >= s.workers ? best : s),
    undefined,
  );
}

export function timelineChart(series: ParallelSeries, cores: number): ChartSpec {
  const workers = [...new Set(series.timeline.map((bar) => bar.worker))].sort((a, b) => a - b);
  const row = (worker: number) => `worker ${worker}`;
  const data = series.timeline.map((bar) => ({
    x: [bar.startMs, bar.endMs] as [number, number],
    y: row(bar.worker),
    items: bar.items,
  }));
  const colorOf = (worker: number) => workerColors[workers.indexOf(worker) % workerColors.length]!;
  const note = series.workers > cores ? `, oversubscribed (${cores} cores)` : "";
  const base = baseOptions(
    `Chunks per worker: the median run at ${series.workers} workers, size ${formatCount(series.size)}${note}`,
  );
  return {
    kind: "timeline",
    config: {
      type: "bar",
      data: {
        labels: workers.map(row),
        datasets: [
          {
            label: "chunk",
            data,
            backgroundColor: series.timeline.map((bar) => colorOf(bar.worker)),
            // A white edge separates back-to-back chunks, so each one reads as its own bar.
            borderColor: "#ffffff",
            borderWidth: 1,
            borderSkipped: false,
            barPercentage: 0.9,
            categoryPercentage: 0.9,
          },
        ],
      },
      options: {
        ...base,
        indexAxis: "y",
        plugins: { ...base.plugins, legend: { display: false } },
        scales: {
          x: { type: "linear", min: 0, title: { display: true, text: "ms from the start of the run" } },
          y: { title: { display: false } },
        },
      },
    },
  };
}

function measuredDatasets(
  measured: readonly { x: number; y: number; oversubscribed: boolean }[],
  cores: number,
): ChartDataset<"scatter">[] {
  const within = measured.filter((p) => !p.oversubscribed).map(({ x, y }) => ({ x, y }));
  const beyond = measured.filter((p) => p.oversubscribed).map(({ x, y }) => ({ x, y }));
  return [
    points("measured (median)", within, colors.measured, colors.measured),
    ...(beyond.length > 0
      ? [
          points(
            `measured, oversubscribed (> ${cores} cores, not fitted)`,
            beyond,
            colors.oversubscribed,
            "#ffffff",
          ),
        ]
      : []),
  ];
}

function points(label: string, data: XY[], color: string, fill: string): ChartDataset<"scatter"> {
  return {
    label,
    data,
    borderColor: color,
    backgroundColor: fill,
    pointRadius: 6,
    pointBorderWidth: 2,
    pointHoverRadius: 8,
    // A point at the last worker count sits on the plot's right edge; clipped, it would show as half a dot.
    clip: false,
  };
}

function line(label: string, data: XY[], color: string, dash: number[] = []): ChartDataset<"scatter"> {
  return {
    label,
    data,
    showLine: true,
    borderColor: color,
    backgroundColor: color,
    borderWidth: 2,
    borderDash: dash,
    pointRadius: 0,
    pointHitRadius: 4,
    pointStyle: "line",
  };
}

/** A dotted vertical line at the core count, when some runs lie beyond it. */
function coresMarker(cores: number, maxWorkers: number, yMax: number): ChartDataset<"scatter">[] {
  if (maxWorkers <= cores) return [];
  return [
    line(
      `${cores} cores`,
      [
        { x: cores, y: 0 },
        { x: cores, y: yMax },
      ],
      colors.cores,
      [2, 3],
    ),
  ];
}

/** The model from 1 to `maxWorkers` workers, as `value(speedup, workers)`. */
function modelCurve(
  fit: ModelFit,
  maxWorkers: number,
  value: (speedup: number, workers: number) => number,
): XY[] {
  return Array.from({ length: curveSamples }, (_, i) => {
    const workers = 1 + ((maxWorkers - 1) * i) / (curveSamples - 1);
    return { x: workers, y: value(fit.law.speedup(fit.serialFraction, workers), workers) };
  });
}

function workersAxis(maxWorkers: number) {
  return {
    type: "linear" as const,
    min: 1,
    max: maxWorkers,
    ticks: { stepSize: maxWorkers <= 16 ? 1 : undefined },
    title: { display: true, text: "workers" },
  };
}

/** The axis top: the next multiple of `step` above the highest value, with a little room to spare. */
function axisTop(highest: number, step: number): number {
  return Math.ceil((highest * 1.05) / step) * step;
}
