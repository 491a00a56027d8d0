// The results: one row per workload and contender, printed as a table and saved as JSON.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { PublishedMeta } from "../src/bench/publish.ts";
import type { Measurement } from "./measure.ts";
import type { FaultSettings, Target, Workload, WorkloadName } from "./workloads/workload.ts";

export interface Startup {
  readonly contender: string;
  /** Until the pool object exists (for weft, until every thread is online). */
  readonly startMs: number;
  /** Until a first trivial call has returned: includes loading the worker's code. */
  readonly firstResultMs: number;
}

export interface Row extends Measurement {
  readonly size: string;
  readonly unit: string;
  readonly items: number;
  readonly itemsPerSec: number;
  /** Sequential median / this median, both from this run. */
  readonly speedup: number | undefined;
  readonly target: Target;
  /** Whether the target is met; undefined for the sequential baseline, which it does not apply to. */
  readonly pass: boolean | undefined;
}

/** The run: where and how (see PublishedMeta), with the settings every contender shared. */
export interface BenchMeta extends PublishedMeta {
  /** Workers of every pool. */
  readonly workers: number;
  /** Timed runs per workload and contender, after one warm-up. */
  readonly repeat: number;
  readonly workloads: readonly WorkloadName[];
  readonly loadAverageAfter: number;
  /** What the "weft+faults" contender switched on (and nothing ever failed). */
  readonly faults: FaultSettings;
  /** How speedup is defined, for a reader of the file. */
  readonly speedup: string;
}

export interface Report {
  readonly meta: BenchMeta;
  readonly startup: readonly Startup[];
  readonly results: readonly Row[];
}

export function toRows(measurements: readonly Measurement[], workloads: readonly Workload<unknown>[]): Row[] {
  const byName = new Map<WorkloadName, Workload<unknown>>(workloads.map((w) => [w.name, w]));
  return measurements.map((m) => {
    const w = byName.get(m.workload)!;
    const baseline = measurements.find((b) => b.workload === m.workload && b.contender === "sequential");
    const speedup = baseline ? baseline.medianMs / m.medianMs : undefined;
    const itemsPerSec = (w.items * 1000) / m.medianMs;
    const value = w.target.kind === "speedup" ? speedup : itemsPerSec;
    const pass = m.contender === "sequential" || value === undefined ? undefined : value >= w.target.min;
    return { ...m, size: w.size, unit: w.unit, items: w.items, itemsPerSec, speedup, target: w.target, pass };
  });
}

export function formatReport(title: string, rows: readonly Row[], startup: readonly Startup[]): string {
  const results = table(
    ["workload", "contender", "median ms", "min-max ms", "rate", "speedup", "target", "result"],
    rows.map((r) => [
      r.workload,
      r.contender,
      (r.extrapolated ? "~" : "") + ms(r.medianMs) + (r.extrapolated ? " *" : ""),
      `${ms(r.minMs)}-${ms(r.maxMs)}`,
      `${compact(r.itemsPerSec)} ${r.unit}/s`,
      // A trivial task's speedup over a plain loop means nothing; such workloads are judged by their rate.
      r.speedup === undefined || r.target.kind === "rate" ? "-" : `${r.speedup.toFixed(2)}x`,
      r.target.kind === "speedup" ? `>= ${r.target.min.toFixed(2)}x` : `>= ${compact(r.target.min)}/s`,
      r.pass === undefined ? "-" : r.pass ? "pass" : "FAIL",
    ]),
    2,
  );
  const notes = rows
    .filter((r) => r.extrapolated)
    .map(
      (r) =>
        `* ${r.contender} on ${r.workload}: extrapolated from the first ${r.measuredItems.toLocaleString("en-US")} ` +
        `of ${r.items.toLocaleString("en-US")} ${r.unit} (one task per item)`,
    );
  const sizes = [...new Map(rows.map((r) => [r.workload, r.size]))].map(([w, size]) => `${w}: ${size}`);
  const faultCost = rows
    .filter((r) => r.contender === "weft+faults")
    .map((r) => {
      const plain = rows.find((p) => p.workload === r.workload && p.contender === "weft");
      return plain ? `${r.workload} ${(100 * (r.medianMs / plain.medianMs - 1)).toFixed(1)}%` : undefined;
    })
    .filter((line) => line !== undefined);
  if (faultCost.length > 0) {
    notes.push(
      `weft+faults (retries 3, timeout 60 s, nothing failing) vs weft, median time: ${faultCost.join(", ")}`,
    );
  }
  const starts = table(
    ["contender", "pool start ms", "first result ms"],
    startup.map((s) => [s.contender, ms(s.startMs), ms(s.firstResultMs)]),
    1,
  );
  return [title, ...sizes, "", results, ...notes, "", "Startup (not included above):", starts].join("\n");
}

export async function writeReport(path: string, report: Report): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify(report, null, 2) + "\n");
}

/** A plain-text table: the first `textColumns` columns left-aligned, the numbers after them right-aligned. */
function table(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  textColumns: number,
): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i < textColumns ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

function ms(value: number): string {
  return value.toLocaleString("en-US", { maximumFractionDigits: value < 100 ? 1 : 0 });
}

function compact(value: number): string {
  return value.toLocaleString("en-US", { notation: "compact", maximumSignificantDigits: 3 });
}
