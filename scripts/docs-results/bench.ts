// The regions that quote `npm run bench` (docs/results/bench.json): weft against a plain loop, a hand-written
// worker_threads split and the peer pools on every workload, and what weft adds per item over a plain loop.
import {
  faultsContender,
  handSplit,
  isPeer,
  sequential,
  weftContender,
} from "../../bench/contender-names.ts";
import type { Row } from "../../bench/report.ts";
import { workloadNames } from "../../bench/workloads/workload.ts";
import { storedPath, RenderError, type RenderContext } from "./context.ts";
import { change, compact, count, link, ms, speedup, table } from "./markdown.ts";
import { storedFiles } from "./stored.ts";

export function benchRows(context: RenderContext, workload: string): Row[] {
  const rows = context.stored.get("bench").results.filter((r) => r.workload === workload);
  if (rows.length === 0) throw new RenderError(`${storedPath("bench")} has no workload ${workload}`);
  return rows;
}

export function benchRow(context: RenderContext, workload: string, contender: string): Row {
  const row = benchRows(context, workload).find((r) => r.contender === contender);
  if (!row) throw new RenderError(`${storedPath("bench")} has no ${contender} on ${workload}`);
  return row;
}

/** The peer pools: every contender but the plain loop, weft and the hand split. */
export function peerRows(context: RenderContext, workload: string): Row[] {
  return benchRows(context, workload).filter((r) => isPeer(r.contender));
}

export function definedSpeedup(row: Row): number {
  if (row.speedup === undefined) throw new RenderError(`${row.contender} on ${row.workload} has no speedup`);
  return row.speedup;
}

/** What each workload's rows in the table add to its size, which the run stores. */
const benchNotes: Record<string, string> = {
  fine: "one `map`",
  tiny: "`map` and `reduce` over a range",
  skewed: "one item per row",
  "skewed-middle": "one item per row",
};

const star = "\\*";

/**
 * One row per workload: the plain loop's time, weft's time and speedup, the hand split's and each
 * peer's speedup (or rate), and the target, with the best peer where the workload compares weft with it.
 */
export function benchTable(context: RenderContext): string {
  const report = context.stored.get("bench");
  const peers = [...new Set(report.results.map((r) => r.contender))].filter(isPeer);
  const columns = [weftContender, handSplit, ...peers];
  const workloads = [...new Set(report.results.map((r) => r.workload))];
  const rows = workloads.map((workload) => {
    const stored = benchRows(context, workload);
    const weft = benchRow(context, workload, weftContender);
    const note = benchNotes[workload];
    const cells = columns.map((contender) => {
      const row = stored.find((r) => r.contender === contender);
      if (row === undefined) return "-";
      const mark = row.extrapolated ? star : "";
      if (row.target.kind === "rate") {
        return contender === weftContender
          ? `**${compact(row.itemsPerSec)} ${row.unit}/s**${mark}`
          : `${compact(row.itemsPerSec)}/s${mark}`;
      }
      return contender === weftContender
        ? `${ms(row.medianMs)}, **${speedup(definedSpeedup(row))}**${mark}`
        : `${speedup(definedSpeedup(row))}${mark}`;
    });
    const target =
      weft.target.kind === "speedup" ? `>= ${speedup(weft.target.min)}` : `>= ${compact(weft.target.min)}/s`;
    const best = weft.bestPeer;
    const versusBest =
      best === undefined
        ? ""
        : `; best peer ${best.contender} ${speedup(best.speedup)}: ${best.ahead ? "ahead" : "behind"}`;
    return [
      `${workload}: ${weft.size}${note === undefined ? "" : `, ${note}`}`,
      weft.target.kind === "rate" ? "-" : ms(benchRow(context, workload, sequential).medianMs),
      ...cells,
      `${target}: ${weft.pass === true ? "met" : "not met"}${versusBest}`,
    ];
  });
  const headers = ["workload", "plain loop", ...columns, "target"];
  return [table(headers, rows), ...extrapolatedNotes(report.results), ...notMeasured(context)].join("\n\n");
}

function extrapolatedNotes(results: readonly Row[]): string[] {
  const extrapolated = results.filter((r) => r.extrapolated);
  return [...new Set(extrapolated.map((r) => `${r.workload}:${r.measuredItems}:${r.items}:${r.unit}`))].map(
    (key) => {
      const [workload, measured, items, unit] = key.split(":");
      const who = extrapolated.filter((r) => r.workload === workload).map((r) => r.contender);
      return (
        `${star} ${who.join(", ")} on ${workload} run one task per item, as their docs show a map: timed on ` +
        `the first ${count(Number(measured))} of ${count(Number(items))} ${unit} and extrapolated.`
      );
    },
  );
}

/**
 * What `npm run bench` measures now and the stored run does not have, because it was published by an
 * earlier version: said under the table (a "-" alone would read as "nothing to run"), until the next
 * run is published.
 */
function notMeasured(context: RenderContext): string[] {
  const { results } = context.stored.get("bench");
  const stored = new Set(results.map((r) => r.workload));
  const workloads = workloadNames.filter((w) => !stored.has(w));
  const missing = [
    ...(results.some((r) => r.contender === handSplit) ? [] : ["the hand split"]),
    ...(workloads.length === 0
      ? []
      : [`the workload${workloads.length === 1 ? "" : "s"} ${listed(workloads)}`]),
  ];
  if (missing.length === 0) return [];
  return [
    `Not measured yet: [\`${storedPath("bench")}\`](${link(context.doc, storedPath("bench"))}) was published ` +
      `before \`npm run bench\` ran ${listed(missing)}; \`${storedFiles.bench.publish}\` measures them.`,
  ];
}

/** "a", "a and b", "a, b and c". */
function listed(items: readonly string[]): string {
  return items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

/** weft with retries and a deadline on every chunk (never needed) against plain weft, per workload. */
export function faultCost(context: RenderContext): string {
  const report = context.stored.get("bench");
  const costs = report.results
    .filter((r) => r.contender === faultsContender)
    .map(
      (r) => `${change(r.medianMs / benchRow(context, r.workload, weftContender).medianMs)} on ${r.workload}`,
    );
  if (costs.length === 0) throw new RenderError(`${storedPath("bench")} has no ${faultsContender} runs`);
  return costs.join(", ");
}

const ns = (value: number) => `${value.toFixed(1)} ns`;

/**
 * What weft adds per item over a plain loop, per job: how it was measured, then a table. A stored run
 * from before the measurement existed says so instead.
 */
export function overheadTable(context: RenderContext): string {
  const { overhead } = context.stored.get("bench");
  if (overhead === undefined) {
    return (
      `Not measured yet: [\`${storedPath("bench")}\`](${link(context.doc, storedPath("bench"))}) was published ` +
      `before \`npm run bench\` measured the overhead per item; \`${storedFiles.bench.publish}\` measures it.`
    );
  }
  const how =
    `Each job on ${count(overhead.items)} items of ${overhead.kernel}: a plain loop on the main thread against ` +
    `the weft job on a pool of ${overhead.workers} worker thread, both warmed up first, then ` +
    `${overhead.rounds === 1 ? "one round" : `${overhead.rounds} rounds`} running them back to back. ` +
    "Each time is the median over the rounds, per item; the overhead is weft's less the plain loop's" +
    (overhead.rounds === 1 ? "." : ", in brackets the lowest and highest difference within one round.");
  const rows = overhead.jobs.map((j) => [
    j.job,
    `\`${j.code}\``,
    ns(j.plainNsPerItem),
    ns(j.weftNsPerItem),
    `**${ns(j.overheadNsPerItem)}**` +
      (overhead.rounds === 1 ? "" : ` (${j.lowNsPerItem.toFixed(1)} to ${j.highNsPerItem.toFixed(1)})`),
    `<= ${overhead.targetNsPerItem} ns: ${j.pass ? "met" : "not met"}`,
  ]);
  const headers = ["job", "weft job", "plain loop", "weft", "overhead per item", "target"];
  return [how, table(headers, rows)].join("\n\n");
}
