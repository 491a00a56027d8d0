// The table `npm run bench:data` prints: times and ratios per size and workload, peak RSS against
// file size, and the targets.
import { contenderNames, type DataReport, type Spread, type Target } from "./report.ts";

const ms = (n: number) => `${Math.round(n).toLocaleString("en-US")} ms`;
const x = (n: number) => `${n.toFixed(2)}x`;
const range = (s: Spread) => `${x(s.median)} (${s.min.toFixed(2)}-${s.max.toFixed(2)})`;
const verdict = (pass: boolean | undefined) => (pass === undefined ? "n/a" : pass ? "pass" : "FAIL");
const whole = (n: number | undefined) => (n === undefined ? "-" : String(Math.round(n)));

/** Columns padded to their widest cell: the first `textColumns` aligned left, the numbers right. */
function table(rows: readonly (readonly string[])[], textColumns = 1): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  return rows
    .map((row) =>
      row.map((cell, c) => (c < textColumns ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))),
    )
    .map((row) => `  ${row.join("  ")}`)
    .join("\n");
}

function targetLine(name: string, target: Target, unit: (n: number) => string): string {
  const { value } = target;
  const shown =
    value === undefined
      ? "-"
      : typeof value === "number"
        ? unit(value)
        : Object.entries(value)
            .map(([k, v]) => `${k} ${unit(v)}`)
            .join(", ");
  return `  ${verdict(target.pass).padEnd(4)}  ${name}: ${shown}  (${target.target})`;
}

export function printReport(report: DataReport): void {
  const { meta } = report;
  const out: string[] = [
    `weft data bench ${meta.date}: ${meta.cores} cores, ${meta.memoryGb.toFixed(0)} GB of memory, node ${meta.node}, ` +
      `weft on ${meta.backend} with a ${meta.memoryBudgetMb} MiB budget a worker, medians of ${meta.repeat} runs ` +
      `(after a warm-up run on ${meta.warmUpGb * 1000} MB)` +
      (meta.quick ? " (--quick: files too small for the numbers to mean anything)" : ""),
    `Dask ${meta.dask.dask} on Python ${meta.dask.python} (${meta.dask.interpreter}): ${meta.dask.scheduler}, ${meta.dask.workers} workers`,
  ];
  for (const size of report.sizes) {
    out.push(
      "",
      `${size.gb} GB: ${size.bytes.toLocaleString("en-US")} bytes, ${size.lines.toLocaleString("en-US")} lines, ` +
        `${size.userRows.toLocaleString("en-US")} users; Dask in ${size.daskPartitions} partitions`,
    );
    out.push(
      table([
        ["workload", ...contenderNames, "weft-2 vs readline", "weft-2 vs weft-1", "weft-2 vs dask"],
        ...size.workloads.map((w) => [
          w.name,
          ...contenderNames.map((name) => ms(w.contenders[name].ms.median)),
          range(w.speedup),
          range(w.twoWorkersOverOne),
          range(w.weftOverDask),
        ]),
      ]),
    );
  }
  const most = (values: readonly number[]) => (values.length > 0 ? Math.max(...values) : undefined);
  out.push("", "peak RSS in MB against file size (the largest of the runs; workers: the largest worker)");
  out.push(
    table(
      [
        [
          "size",
          "workload",
          "readline",
          "weft-1 caller",
          "workers",
          "weft-2 caller",
          "workers",
          "dask caller",
          "workers",
        ],
        ...report.sizes.flatMap((s) =>
          s.workloads.map((w) => [
            `${s.gb} GB`,
            w.name,
            whole(most(w.contenders.readline.callerPeakMb)),
            ...(["weft-1", "weft-2", "dask-2"] as const).flatMap((name) => [
              whole(most(w.contenders[name].callerPeakMb)),
              whole(most(w.contenders[name].workerPeakMb)),
            ]),
          ]),
        ),
      ],
      2,
    ),
  );
  const { targets } = report;
  const largest = report.sizes.at(-1)!;
  out.push(
    "",
    `targets (times at ${largest.gb} GB)`,
    targetLine("weft-2 over readline", targets.speedup, x),
    targetLine("weft caller peak RSS", targets.callerPeakRss, (n) => `${n.toFixed(1)} MB`),
    targetLine("flat across sizes", targets.flatAcrossSizes, x),
    targetLine("weft-2 over Dask bag", targets.fasterThanDask, x),
    targetLine("weft worker RSS growth", targets.workerPeakRss, (n) => `${n.toFixed(1)} MB`),
  );
  console.log(out.join("\n"));
}
