// The regions that quote `npm run bench:data` (docs/results/data.json): four workloads over a generated
// access log, on a sequential readline loop, weft on 1 and 2 workers and Dask bag, at the largest size
// for the times, at every size for the peak memory, and the run's targets.
import type { DataReport, SizeResult, Spread, Target } from "../../bench/data/report.ts";
import { storedPath, RenderError, type RenderContext } from "./context.ts";
import { about, count, ms, speedup, table } from "./markdown.ts";

/** The default sizes start here: a run whose largest file is smaller is a smoke run, whatever meta.quick says. */
const smallestMeaningfulGb = 1;

function dataReport(context: RenderContext): DataReport {
  const report = context.stored.get("data");
  if (report.sizes.length === 0) throw new RenderError(`${storedPath("data")} has no sizes`);
  return report;
}

function largestSize(report: DataReport): SizeResult {
  return report.sizes.reduce((a, b) => (b.gb > a.gb ? b : a));
}

function runs(meta: DataReport["meta"]): string {
  const timed = meta.repeat === 1 ? "one timed run each" : `medians of ${meta.repeat} timed runs`;
  return `${timed} after a warm-up run on a log of ${meta.warmUpGb * 1000} MB`;
}

function gb(size: SizeResult): string {
  return `${size.gb} GB`;
}

/** The command, commit, machine, sizes and runs, saying when the run is too small to mean much. */
export function dataAbout(context: RenderContext): string {
  const report = dataReport(context);
  const { meta } = report;
  const largest = largestSize(report);
  const sizes = report.sizes.map(gb).join(", ");
  const details =
    `files of ${sizes}, weft on the ${meta.backend} backend, Dask ${meta.dask.dask} on Python ` +
    `${meta.dask.python} with ${meta.dask.workers} worker processes, ${runs(meta)}`;
  const sentence = about(context.doc, storedPath("data"), meta, details);
  const notes: string[] = [];
  if (!meta.quick && largest.gb < smallestMeaningfulGb) {
    notes.push(
      `**A small run (the largest file ${gb(largest)}), kept as a placeholder: its numbers measure little yet.**`,
    );
  }
  if (largest.bytes < meta.memoryGb * 1e9) {
    notes.push(
      `Every file fits in the machine's ${meta.memoryGb.toFixed(0)} GB of memory, so the runs read it from ` +
        "the page cache, not the disk.",
    );
  }
  return [sentence, ...notes].join(" ");
}

/** A ratio of times: the median, then the lowest and highest run when they differ. */
function ratio(spread: Spread): string {
  const low = spread.min.toFixed(2);
  const high = spread.max.toFixed(2);
  return `**${speedup(spread.median)}**${low === high ? "" : ` (${low} to ${high})`}`;
}

function mb(value: number | undefined): string {
  return value === undefined || Number.isNaN(value) ? "-" : count(Math.round(value));
}

function most(...values: readonly (number | undefined)[]): number | undefined {
  const defined = values.filter((v): v is number => v !== undefined);
  return defined.length === 0 ? undefined : Math.max(...defined);
}

const times = (n: number) => speedup(n);
const megabytes = (n: number) => `${n.toFixed(0)} MB`;

/** Each target as the table calls it, and the unit of its value. */
const targetNames: Record<keyof DataReport["targets"], { name: string; unit: (n: number) => string }> = {
  speedup: { name: "weft-2 over the readline loop", unit: times },
  callerPeakRss: { name: "weft's calling process, peak RSS", unit: megabytes },
  flatAcrossSizes: { name: "weft's calling process, flat across sizes", unit: times },
  fasterThanDask: { name: "weft-2 over Dask bag", unit: times },
  workerPeakRss: { name: "weft's workers, peak memory", unit: megabytes },
};

function targetLine(target: Target, name: string, unit: (n: number) => string): string {
  const verdict = target.pass === undefined ? "n/a" : target.pass ? "pass" : "FAIL";
  const { value } = target;
  const shown =
    value === undefined
      ? "not measured by this run"
      : typeof value === "number"
        ? unit(value)
        : Object.entries(value)
            .map(([key, v]) => `${key} ${unit(v)}`)
            .join(", ");
  return `- **${verdict}** ${name}: ${shown} (target: ${target.target})`;
}

/**
 * The times at the largest size, one row per workload; peak RSS at every size; the targets; and the
 * run's notes on what each contender did.
 */
export function dataTable(context: RenderContext): string {
  const report = dataReport(context);
  const largest = largestSize(report);
  const timesTable = table(
    ["workload", "readline", "weft-1", "weft-2", "Dask bag", "weft-2 vs readline", "weft-2 vs Dask"],
    largest.workloads.map((w) => [
      `${w.name}: ${w.summary}`,
      ms(w.contenders.readline.ms.median),
      ms(w.contenders["weft-1"].ms.median),
      ms(w.contenders["weft-2"].ms.median),
      ms(w.contenders["dask-2"].ms.median),
      ratio(w.speedup),
      ratio(w.weftOverDask),
    ]),
  );
  const memoryTable = table(
    ["file", "readline", "weft caller", "weft worker", "Dask caller", "Dask worker"],
    report.sizes.map((s) => {
      const peak = s.peakRssMb;
      return [
        gb(s),
        mb(peak.readline.caller),
        mb(most(peak["weft-1"].caller, peak["weft-2"].caller)),
        mb(most(peak["weft-1"].workers, peak["weft-2"].workers)),
        mb(peak["dask-2"].caller),
        mb(peak["dask-2"].workers),
      ];
    }),
  );
  const targets = (Object.keys(targetNames) as (keyof DataReport["targets"])[]).map((key) =>
    targetLine(report.targets[key], targetNames[key].name, targetNames[key].unit),
  );
  return [
    `At ${gb(largest)} (${count(largest.bytes)} bytes, ${count(largest.lines)} lines, ${count(largest.userRows)} ` +
      `users; Dask in ${largest.daskPartitions} partitions), each contender's median time; the ratios are ` +
      "the other contender's time over weft-2's, run by run: the median, and in brackets the lowest and highest:",
    timesTable,
    "Peak RSS in MB (10^6 bytes), the largest over the workloads and runs of each size; a worker column " +
      "holds the largest worker process:",
    memoryTable,
    `Targets (times at ${gb(largest)}, memory at every size):`,
    targets.join("\n"),
    "What each contender did:",
    report.notes.map((note) => `- ${note.replaceAll("<", "\\<")}`).join("\n"),
  ].join("\n\n");
}
