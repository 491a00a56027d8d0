// The HTML report of `weft bench`: one self-contained file that opens offline, with Chart.js and the raw
// results inlined, per workload a summary table, the fitted model, and speedup, efficiency and timeline charts.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { analyze, type WorkloadAnalysis } from "./analysis.ts";
import { efficiencyChart, speedupChart, timelineChart, timelineSeries, type ChartSpec } from "./charts.ts";
import { describeFit, describePredictions, describeRun, noFitReason, oversubscribedNote } from "./format.ts";
import type { BenchResults } from "./results.ts";
import { summaryHeaders, summaryRows } from "./summary.ts";

/** A chart and the canvas the page draws it on. */
interface PlacedChart {
  readonly canvasId: string;
  readonly kind: ChartSpec["kind"];
  readonly config: ChartSpec["config"];
}

export function renderHtmlReport(results: BenchResults): string {
  const analysis = analyze(results);
  const charts: PlacedChart[] = [];
  const place = (spec: ChartSpec, canvasId: string, heightPx: number): string => {
    charts.push({ canvasId, ...spec });
    return `<div class="chart" style="height: ${heightPx}px"><canvas id="${canvasId}"></canvas></div>`;
  };
  const sections = analysis.workloads.map((workload, i) => {
    const series = timelineSeries(workload, analysis.cores);
    const figures = [
      `<div class="pair">`,
      place(speedupChart(workload, analysis.cores), `speedup-${i}`, 340),
      place(efficiencyChart(workload, analysis.cores), `efficiency-${i}`, 340),
      `</div>`,
      series
        ? place(timelineChart(series, analysis.cores), `timeline-${i}`, timelineHeight(series.timeline))
        : `<p class="note">No chunk timeline was recorded.</p>`,
    ];
    return workloadSection(workload, analysis.cores, figures.join("\n"));
  });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>weft bench: scaling report</title>
<style>${css}</style>
</head>
<body>
<main>
${heading(results)}
${sections.join("\n")}
</main>
<script type="application/json" id="weft-bench-results">${jsonForScript(results)}</script>
<script type="application/json" id="weft-charts">${jsonForScript(charts)}</script>
<script>${chartJsBundle()}</script>
<script>${pageScript}</script>
</body>
</html>
`;
}

function heading(results: BenchResults): string {
  const { machine } = results;
  const facts: [string, string][] = [
    ["started", results.startedAt],
    ["cores", String(machine.cores)],
    ["CPU", machine.cpu],
    ["Node", machine.node],
    ["platform", machine.platform],
    ["load average at the start", machine.loadAverage.toFixed(2)],
    ["timed runs per point", String(results.repeat)],
  ];
  return `<h1>weft bench: scaling report</h1>
${results.complete ? "" : `<p class="warning">The run was interrupted: below is what was measured before it stopped.</p>`}
<dl class="machine">${facts.map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd></div>`).join("")}</dl>
<details class="help"><summary>How to read this report</summary>
<ul>
<li>Every time is the median of the timed runs; <b>spread</b> is (max &minus; min) / median of those runs.</li>
<li><b>Speedup</b> is the sequential median over the parallel median at the same size; <b>efficiency</b> is speedup / workers.</li>
<li><b>Karp&ndash;Flatt e</b> = (1/S &minus; 1/p) / (1 &minus; 1/p): the serial fraction that would explain one measured speedup S on p workers. If it grows with p, overhead grows with the workers.</li>
<li><b>Strong scaling</b> keeps the size fixed and fits <b>Amdahl's law</b>, S = 1 / (f + (1 &minus; f)/p), where f is the share of the sequential time that cannot run in parallel.</li>
<li><b>Weak scaling</b> grows the size with the workers and fits <b>Gustafson's law</b>, S = p &minus; f(p &minus; 1), where f is the serial share of the parallel run's time.</li>
<li>The models are least-squares fits of one number, f, to the measured speedups, and every prediction is the model's, not a measurement. Runs with more workers than the ${machine.cores} cores time-share them: they are shown, flagged, and left out of the fits.</li>
</ul>
</details>`;
}

function workloadSection(workload: WorkloadAnalysis, cores: number, figures: string): string {
  const { result, model } = workload;
  const head = summaryHeaders.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const rows = summaryRows(workload)
    .map(({ cells, oversubscribed }) => {
      const escaped = summaryHeaders.map((_, i) => escapeHtml(cells[i] ?? ""));
      const mark = oversubscribed
        ? ` <span class="flag" title="${escapeHtml(oversubscribedNote(cores))}">oversubscribed</span>`
        : "";
      const [run, ...rest] = escaped;
      return `<tr${oversubscribed ? ` class="oversubscribed"` : ""}><th scope="row">${run}${mark}</th>${rest.map((c) => `<td>${c}</td>`).join("")}</tr>`;
    })
    .join("\n");
  const note = workload.points.some((p) => p.oversubscribed)
    ? `<p class="note">${escapeHtml(oversubscribedNote(cores))}</p>`
    : "";
  const modelText = model
    ? `<p class="model"><b>${escapeHtml(describeFit(model))}</b>; ${escapeHtml(describePredictions(model))}.</p>`
    : `<p class="model">${escapeHtml(noFitReason(cores))}.</p>`;
  return `<section class="workload">
<h2>${escapeHtml(`${result.workload}: ${result.description}`)}</h2>
<p class="run">${escapeHtml(describeRun(result))}</p>
<table class="summary"><thead><tr>${head}</tr></thead>
<tbody>
${rows}
</tbody></table>
${note}
${modelText}
${figures}
</section>`;
}

/** Room for every worker's row and the axes, so bars keep a readable thickness however many workers ran. */
function timelineHeight(timeline: readonly { worker: number }[]): number {
  return 110 + 34 * new Set(timeline.map((bar) => bar.worker)).size;
}

/** JSON that cannot end its `<script>` element early or open a comment: every `<`, `>` and `&` escaped. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll("<", "\\u003c")
    .replaceAll(">", "\\u003e")
    .replaceAll("&", "\\u0026");
}

function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/**
 * Chart.js's UMD bundle, which defines `window.Chart` from a classic script. Its package exports do not
 * expose `dist/chart.umd.js`, so it is found beside the CommonJS entry they do expose.
 */
function chartJsBundle(): string {
  const entry = createRequire(import.meta.url).resolve("chart.js");
  const bundle = readFileSync(join(dirname(entry), "chart.umd.js"), "utf8");
  if (bundle.includes("</script")) {
    throw new Error(`${entry}: the Chart.js bundle contains "</script" and cannot be inlined in the report`);
  }
  return bundle;
}

/** Tooltips are functions, which JSON cannot carry, so the timeline's is added here. */
const pageScript = `
"use strict";
Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
Chart.defaults.color = "#2b2f36";
const specs = JSON.parse(document.getElementById("weft-charts").textContent);
for (const { canvasId, kind, config } of specs) {
  if (kind === "timeline") {
    config.options.plugins.tooltip = {
      callbacks: {
        label: (c) =>
          c.raw.items.toLocaleString("en-US") + " items, " + c.raw.x[0].toFixed(1) + " to " + c.raw.x[1].toFixed(1) + " ms",
      },
    };
  }
  new Chart(document.getElementById(canvasId), config);
}
`;

const css = `
:root { color-scheme: light; }
body { margin: 0; background: #f6f7f9; color: #2b2f36;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 24px; }
h1 { font-size: 26px; margin: 0 0 12px; }
h2 { font-size: 20px; margin: 0 0 4px; }
.machine { display: flex; flex-wrap: wrap; gap: 8px 24px; margin: 0 0 12px; }
.machine div { display: flex; gap: 6px; }
.machine dt { color: #5b6170; }
.machine dd { margin: 0; font-weight: 600; }
.help { margin-bottom: 24px; }
.help summary { cursor: pointer; color: #1f5fbf; }
.warning { background: #fff1d6; border: 1px solid #d9822b; padding: 8px 12px; border-radius: 6px; }
.workload { background: #fff; border: 1px solid #dde0e6; border-radius: 8px; padding: 20px; margin-bottom: 24px; }
.run { color: #5b6170; margin: 0 0 12px; }
.summary { border-collapse: collapse; margin-bottom: 8px; font-variant-numeric: tabular-nums; }
.summary th, .summary td { padding: 4px 12px; border-bottom: 1px solid #e6e8ec; }
.summary thead th { text-align: right; color: #5b6170; font-weight: 600; }
.summary thead th:first-child, .summary tbody th { text-align: left; font-weight: 500; }
.summary td { text-align: right; }
.oversubscribed { color: #8a5a1f; }
.flag { font-size: 12px; background: #fff1d6; border: 1px solid #d9822b; border-radius: 4px; padding: 0 4px; }
.note { color: #5b6170; font-size: 14px; margin: 4px 0; }
.model { margin: 8px 0 16px; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
.chart { position: relative; margin-bottom: 16px; min-width: 0; }
@media (max-width: 800px) { .pair { grid-template-columns: 1fr; } }
`;
