// The terminal report of `weft bench`: per workload, one row per run (sequential and each worker count),
// then the fitted model. Plain text, under 100 columns.
import { analyze, type WorkloadAnalysis } from "./analysis.ts";
import { describeFit, describePredictions, describeRun, noFitReason, oversubscribedNote } from "./format.ts";
import type { BenchResults } from "./results.ts";
import { summaryHeaders, summaryRows } from "./summary.ts";

const indent = "  ";
/** Marks an oversubscribed row, explained under its table. */
const oversubscribedMark = "*";

export function renderScalingTable(results: BenchResults): string {
  const analysis = analyze(results);
  const { machine } = results;
  const heading = [
    `weft bench, started ${results.startedAt}` +
      (results.complete ? "" : ": INTERRUPTED, what was measured before it stopped"),
    `${machine.cores} cores: ${machine.cpu}`,
    `Node ${machine.node}, ${machine.platform}, load average ${machine.loadAverage.toFixed(2)} at the start`,
    `every time is the median of ${results.repeat} timed runs; spread = (max - min) / median`,
    "speedup = sequential median / parallel median at the same size",
  ];
  const sections = analysis.workloads.map((w) => workloadSection(w, analysis.cores));
  return [heading.join("\n"), ...sections].join("\n\n") + "\n";
}

function workloadSection(workload: WorkloadAnalysis, cores: number): string {
  const rows = summaryRows(workload).map(({ cells: [run, ...rest], oversubscribed }) => [
    oversubscribed ? `${run}${oversubscribedMark}` : run!,
    ...rest,
  ]);
  const notes: string[] = [];
  if (rows.length === 0) notes.push("nothing measured");
  if (workload.points.some((p) => p.oversubscribed)) {
    notes.push(`${oversubscribedMark} ${oversubscribedNote(cores)}`);
  }
  const { model, result } = workload;
  notes.push(...(model ? [describeFit(model), indent + describePredictions(model)] : [noFitReason(cores)]));
  const table = rows.length === 0 ? [] : alignColumns([summaryHeaders, ...rows]);
  const lines = [describeRun(result), ...table, ...notes];
  return [`${result.workload}: ${result.description}`, ...lines.map((line) => indent + line)].join("\n");
}

/** The first column left-aligned, the numbers right-aligned; short rows simply end early. */
function alignColumns(rows: readonly (readonly string[])[]): string[] {
  const widths = summaryHeaders.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  return rows.map((row) =>
    row
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join("   ")
      .trimEnd(),
  );
}
