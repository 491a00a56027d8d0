// The regions that quote `npm run simulate` (docs/results/simulate.json): one coordinator and one
// Redis under clusters of 2 to 1,000 threads, with the chunk size policy before and after it was told
// each chunk's load on them, as a table and as a chart (Mermaid, which the pages' hosts draw).
import type { SimulateReport } from "../../bench/simulate/report.ts";
import { storedPath, RenderError, type RenderContext } from "./context.ts";
import { about, compact, count, fence, percent, table } from "./markdown.ts";

function report(context: RenderContext): SimulateReport {
  const stored = context.stored.get("simulate");
  if (stored.runs.length === 0) throw new RenderError(`${storedPath("simulate")} has no runs`);
  return stored;
}

export function simulateAbout(context: RenderContext): string {
  const { meta, settings: s } = report(context);
  const details =
    `${count(s.items)} items of Pareto-distributed cost (α ${s.pareto.alpha}, mean ${s.pareto.meanMs} ms, ` +
    `at most ${s.pareto.capTimesMean} times the mean), round trips of ${s.rttMs[0]} to ${s.rttMs[1]} ms, ` +
    `threads ${s.slowness[0]} to ${s.slowness[1]} times as slow as nominal, ${s.joinsPerCent}% of the ` +
    `threads joining and ${s.deathsPerCent}% dying mid-job; per chunk ${s.coordinatorMsPerChunk} ms of the ` +
    `coordinator's CPU, ${s.redisMsPerChunk} ms of Redis's and ${s.redisCommandsPerChunk} Redis commands, ` +
    `as measured on a real cluster; simulated time, seed ${s.seed}`;
  return about(context.doc, storedPath("simulate"), meta, details);
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function simulateTable(context: RenderContext): string {
  const rows = report(context).runs.map(({ threads, before, after }) => [
    count(threads),
    percent(before.efficiency),
    seconds(before.wallMs),
    percent(before.coordinatorBusy),
    percent(after.efficiency),
    seconds(after.wallMs),
    `${Math.round(after.medianChunkMs).toLocaleString("en-US")} ms`,
    percent(after.coordinatorBusy),
    percent(after.redisBusy),
    `${compact(after.coordinatorMessagesPerSecond)}/s`,
    `${compact(after.redisCommandsPerSecond)}/s`,
  ]);
  return table(
    [
      "threads",
      "before: efficiency",
      "wall",
      "coordinator busy",
      "after: efficiency",
      "wall",
      "median chunk",
      "coordinator busy",
      "Redis busy",
      "coordinator messages",
      "Redis commands",
    ],
    rows,
  );
}

export function simulateChart(context: RenderContext): string {
  const { runs } = report(context);
  const line = (which: "before" | "after") =>
    `  line [${runs.map((r) => Math.round(100 * r[which].efficiency)).join(", ")}]`;
  return fence(
    "mermaid",
    [
      "xychart-beta",
      '  title "Efficiency of one coordinator and one Redis (%): 40 ms chunks (lower), load-aware chunks (upper)"',
      `  x-axis "threads" [${runs.map((r) => r.threads).join(", ")}]`,
      '  y-axis "busy thread time over thread time (%)" 0 --> 100',
      line("before"),
      line("after"),
    ].join("\n"),
  );
}
