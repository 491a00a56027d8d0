// The results: one row per workload and contender, printed as a table and saved as JSON.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { PublishedMeta } from "../src/scaling/publish.ts";
import { isPeer, sequential, shownName } from "./contender-names.ts";
import type { Measurement } from "./measure.ts";
import type { OverheadReport } from "./overhead/stats.ts";
import type { TelemetryReport } from "./telemetry/measure.ts";
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
  /**
   * On the workloads that compare weft with the best peer of the run (the skewed ones), for weft and the
   * other non-peer contenders: the peer with the highest speedup, and whether this row's is at least as high.
   */
  readonly bestPeer?: BestPeer;
}

export interface BestPeer {
  readonly contender: string;
  readonly speedup: number;
  /** This row's speedup >= the best peer's. */
  readonly ahead: boolean;
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
  /**
   * The core-balance checks before every round (core-balance.ts): how many, the worst imbalance a
   * round ran with, and the rounds that ran with the cores still apart after waiting.
   */
  readonly coreBalance?: {
    readonly checks: number;
    readonly worstImbalance: number;
    readonly unbalancedRounds: number;
  };
}

export interface Report {
  readonly meta: BenchMeta;
  readonly startup: readonly Startup[];
  readonly results: readonly Row[];
  /** What weft adds per item over a plain loop; absent when the run left it out (--only). */
  readonly overhead?: OverheadReport;
  /** What telemetry costs when on; absent when the run left it out (--only). */
  readonly telemetry?: TelemetryReport;
}

export function toRows(measurements: readonly Measurement[], workloads: readonly Workload<unknown>[]): Row[] {
  const byName = new Map<WorkloadName, Workload<unknown>>(workloads.map((w) => [w.name, w]));
  const speedupOf = (m: Measurement) => {
    const baseline = measurements.find((b) => b.workload === m.workload && b.contender === sequential);
    return baseline ? baseline.medianMs / m.medianMs : undefined;
  };
  return measurements.map((m) => {
    const w = byName.get(m.workload)!;
    const speedup = speedupOf(m);
    const itemsPerSec = (w.items * 1000) / m.medianMs;
    const value = w.target.kind === "speedup" ? speedup : itemsPerSec;
    const pass = m.contender === sequential || value === undefined ? undefined : value >= w.target.min;
    const row = {
      ...m,
      size: w.size,
      unit: w.unit,
      items: w.items,
      itemsPerSec,
      speedup,
      target: w.target,
      pass,
    };
    const comparable = w.versusBestPeer && m.contender !== sequential && !isPeer(m.contender);
    const peers = measurements.filter((p) => p.workload === m.workload && isPeer(p.contender));
    const best = comparable
      ? bestOf(peers.map((p) => ({ contender: p.contender, speedup: speedupOf(p) })))
      : undefined;
    return best === undefined || speedup === undefined
      ? row
      : { ...row, bestPeer: { ...best, ahead: speedup >= best.speedup } };
  });
}

/** The entry with the highest speedup, or undefined when none has one. */
function bestOf(
  entries: readonly { contender: string; speedup: number | undefined }[],
): { contender: string; speedup: number } | undefined {
  let best: { contender: string; speedup: number } | undefined;
  for (const { contender, speedup } of entries) {
    if (speedup !== undefined && (best === undefined || speedup > best.speedup)) {
      best = { contender, speedup };
    }
  }
  return best;
}

export function formatReport(
  title: string,
  rows: readonly Row[],
  startup: readonly Startup[],
  overhead?: OverheadReport,
  telemetry?: TelemetryReport,
): string {
  const results = table(
    ["workload", "contender", "median ms", "min-max ms", "rate", "speedup", "target", "result", "best peer"],
    rows.map((r) => [
      r.workload,
      shownName(r.contender),
      (r.extrapolated ? "~" : "") + ms(r.medianMs) + (r.extrapolated ? " *" : ""),
      `${ms(r.minMs)}-${ms(r.maxMs)}`,
      `${compact(r.itemsPerSec)} ${r.unit}/s`,
      // A trivial task's speedup over a plain loop means nothing; such workloads are judged by their rate.
      r.speedup === undefined || r.target.kind === "rate" ? "-" : `${r.speedup.toFixed(2)}x`,
      r.target.kind === "speedup" ? `>= ${r.target.min.toFixed(2)}x` : `>= ${compact(r.target.min)}/s`,
      r.pass === undefined ? "-" : r.pass ? "pass" : "FAIL",
      r.bestPeer === undefined
        ? "-"
        : `${r.bestPeer.contender} ${r.bestPeer.speedup.toFixed(2)}x: ${r.bestPeer.ahead ? "ahead" : "BEHIND"}`,
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
  const missing = [...new Set(rows.map((r) => r.workload))].flatMap((w) => {
    const ran = new Set(rows.filter((r) => r.workload === w).map((r) => r.contender));
    const absent = [...new Set(rows.map((r) => r.contender))].filter((c) => !ran.has(c));
    return absent.length === 0 ? [] : [`${absent.map(shownName).join(", ")}: nothing to run on ${w}`];
  });
  notes.push(...missing);
  const starts = table(
    ["contender", "pool start ms", "first result ms"],
    startup.map((s) => [shownName(s.contender), ms(s.startMs), ms(s.firstResultMs)]),
    1,
  );
  return [
    title,
    ...(rows.length === 0 ? [] : [...sizes, "", results, ...notes]),
    ...(overhead ? ["", formatOverhead(overhead)] : []),
    ...(telemetry ? ["", formatTelemetry(telemetry)] : []),
    ...(startup.length === 0 ? [] : ["", "Startup (not included above):", starts]),
  ].join("\n");
}

/** The overhead section: per job, the plain loop and weft per item, and what weft adds. */
export function formatOverhead(overhead: OverheadReport): string {
  const ns = (value: number) => value.toFixed(1);
  const heading =
    `Per-item overhead over a plain loop: ${overhead.kernel}, ${overhead.items.toLocaleString("en-US")} items, ` +
    `weft on ${overhead.workers} worker thread, medians of ${overhead.rounds} interleaved rounds; ` +
    "overhead = (weft - plain) / items, range = lowest and highest of the rounds' own";
  const rows = overhead.jobs.map((j) => [
    j.job,
    j.code,
    ns(j.plainNsPerItem),
    ns(j.weftNsPerItem),
    ns(j.overheadNsPerItem),
    `${ns(j.lowNsPerItem)} to ${ns(j.highNsPerItem)}`,
    `<= ${overhead.targetNsPerItem} ns`,
    j.pass ? "pass" : "FAIL",
  ]);
  const headers = [
    "job",
    "weft",
    "plain ns/item",
    "weft ns/item",
    "overhead ns",
    "range ns",
    "target",
    "result",
  ];
  return [heading, table(headers, rows, 2)].join("\n");
}

/** The telemetry section: each workload untraced and traced, and what tracing cost. */
export function formatTelemetry(telemetry: TelemetryReport): string {
  const heading =
    `Telemetry: weft on ${telemetry.workers} worker threads without it and with a tracer (every span kept in memory) ` +
    `and a meter, medians of ${telemetry.rounds} interleaved rounds; cost = traced / untraced - 1`;
  const rows = telemetry.rows.map((r) => [
    r.workload,
    ms(r.offMs),
    ms(r.onMs),
    String(r.spans),
    `${(100 * r.cost).toFixed(1)}%`,
  ]);
  return [heading, table(["workload", "off ms", "on ms", "spans a run", "cost"], rows, 2)].join("\n");
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
