// The regions that quote `npm run bench:pipe` (docs/results/pipe.json): `weft pipe` on 2 workers
// against a plain Node.js loop, and the loop split by hand in two processes, all whole processes, on
// a CPU-heavy task and on a trivial one.
import { storedPath, type RenderContext } from "./context.ts";
import { about, count, speedup, table } from "./markdown.ts";

export function pipeAbout(context: RenderContext): string {
  const { meta } = context.stored.get("pipe");
  const details = `each contender a whole process reading the same file on standard input; medians of ${meta.repeat} runs, interleaved, after a warm-up`;
  return about(context.doc, storedPath("pipe"), meta, details);
}

/**
 * Each run's task and lines, the medians, weft's ratio and the hand split's (the ceiling), the rate, and its
 * target, if it has one, with pass or FAIL.
 */
export function pipeTable(context: RenderContext): string {
  const { rows } = context.stored.get("pipe");
  return table(
    [
      "task",
      "lines",
      "plain loop",
      "weft pipe",
      "loop / weft",
      "loop split by hand",
      "weft lines/s",
      "target",
      "result",
    ],
    rows.map((row) => [
      row.task,
      `${count(row.lines)} (${Math.round(row.bytes / 1e6)} MB)`,
      `${count(Math.round(row.loopMs))} ms`,
      `${count(Math.round(row.weftMs))} ms`,
      speedup(row.ratio),
      `${count(Math.round(row.splitMs))} ms, ${speedup(row.splitRatio)}`,
      count(Math.round(row.weftLinesPerSecond)),
      !row.target
        ? "-"
        : "ratio" in row.target
          ? `at least ${speedup(row.target.ratio)} the loop`
          : `at least ${count(row.target.linesPerSecond)} lines/s`,
      row.pass === undefined ? "" : row.pass ? "pass" : "**FAIL**",
    ]),
  );
}
