// `npm run bench:pipe`: `weft pipe` on 2 workers against a plain Node.js loop in one process, both
// whole processes reading the same file on standard input and writing one result a line, on a
// CPU-heavy task (about 20 µs a line) and on a trivial one (the pipe's own cost: lines a second).
// Both run as a user runs them: plain JavaScript in a project (project/) with weft packed and
// installed from the tarball, so neither pays for compiling TypeScript at start. After one warm-up
// each, the runs take turns; every output is checked against the loop's. Prints a table, saves
// bench/results/pipe.json, and with --publish docs/results/pipe.json.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, cpSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { median } from "../../src/scaling/analysis.ts";
import { commandLine, publish, publishedMeta, resultsDirectory } from "../../src/scaling/publish.ts";
import { installInto, packWeft } from "../install/packed-install.ts";
import type { PipeReport, PipeRow } from "./report.ts";

const { values: args } = parseArgs({
  options: {
    repeat: { type: "string", default: "5" },
    quick: { type: "boolean", default: false },
    publish: { type: "boolean", default: false },
  },
});
const repeat = Number(args.repeat);
if (!Number.isInteger(repeat) || repeat < 1) throw new Error("--repeat must be a positive integer");
const projectFiles = fileURLToPath(new URL("./project", import.meta.url));
const resultsPath = fileURLToPath(new URL("../results/pipe.json", import.meta.url));

const cases = [
  { task: "score", lines: args.quick ? 50_000 : 400_000, target: { ratio: 1.6 } },
  { task: "length", lines: args.quick ? 500_000 : 4_000_000, target: { linesPerSecond: 1_000_000 } },
] as const;

/** Runs `command` with `input` as standard input; resolves with its wall time and a hash of its output. */
function timed(
  command: readonly string[],
  input: string,
): Promise<{ ms: number; digest: string; lines: number }> {
  return new Promise((resolve, reject) => {
    const stdin = openSync(input, "r");
    const t0 = performance.now();
    const child = spawn(process.execPath, command, { stdio: [stdin, "pipe", "inherit"] });
    closeSync(stdin);
    const hash = createHash("sha256");
    let lines = 0;
    child.stdout!.on("data", (data: Buffer) => {
      hash.update(data);
      for (const byte of data) if (byte === 10) lines++;
    });
    child.once("error", reject);
    child.once("close", (code) => {
      const ms = performance.now() - t0;
      if (code !== 0) reject(new Error(`${command.join(" ")} exited with ${code}`));
      else resolve({ ms, digest: hash.digest("hex"), lines });
    });
  });
}

if (args.publish) resultsDirectory(); // fails now, not after the run, when there is nowhere to publish
const scratch = mkdtempSync(join(tmpdir(), "weft-bench-pipe-"));
try {
  const project = join(scratch, "project");
  await installInto(project, await packWeft(scratch));
  cpSync(projectFiles, project, { recursive: true });
  const weftBin = join(project, "node_modules/weft/bin/weft.js");
  const rows: PipeRow[] = [];
  for (const { task, lines, target } of cases) {
    const input = join(scratch, `${task}.txt`);
    // Lines of 20 to 80 characters, the same for every run.
    let text = "";
    for (let i = 0; i < lines; i++) text += `record ${i} ${"abcdefghij".repeat(1 + (i % 7))}\n`;
    writeFileSync(input, text);
    const weft = [weftBin, "pipe", join(project, "tasks.js"), task, "--workers", "2"];
    const loop = [join(project, "loop.js"), task];
    const expected = await timed(loop, input);
    const warm = await timed(weft, input);
    if (warm.digest !== expected.digest)
      throw new Error(`weft pipe ${task}: its output differs from the loop's`);
    const loopMs: number[] = [];
    const weftMs: number[] = [];
    for (let run = 0; run < repeat; run++) {
      const order = run % 2 === 0 ? (["loop", "weft"] as const) : (["weft", "loop"] as const);
      for (const who of order) {
        const result = await timed(who === "loop" ? loop : weft, input);
        if (result.digest !== expected.digest) throw new Error(`${who} ${task}: wrong output`);
        (who === "loop" ? loopMs : weftMs).push(result.ms);
      }
    }
    const row = {
      task,
      lines,
      loopMs: median(loopMs),
      weftMs: median(weftMs),
      ratio: median(loopMs) / median(weftMs),
      weftLinesPerSecond: (lines * 1000) / median(weftMs),
      target,
    };
    const pass =
      "ratio" in target ? row.ratio >= target.ratio : row.weftLinesPerSecond >= target.linesPerSecond;
    rows.push({ ...row, pass });
    console.error(`${task}: loop ${row.loopMs.toFixed(0)} ms, weft pipe ${row.weftMs.toFixed(0)} ms`);
  }
  const meta = publishedMeta(commandLine("npm run bench:pipe", process.argv.slice(2)), args.quick);
  console.log(`weft pipe on 2 workers vs a plain Node.js loop, whole processes, medians of ${repeat} runs`);
  console.log("task     lines      loop ms  weft ms  loop/weft  weft lines/s  target             result");
  for (const r of rows) {
    const target =
      "ratio" in r.target
        ? `>= ${r.target.ratio}x the loop`
        : `>= ${r.target.linesPerSecond.toLocaleString("en-US")} lines/s`;
    console.log(
      `${r.task.padEnd(8)} ${r.lines.toLocaleString("en-US").padStart(9)}  ${r.loopMs.toFixed(0).padStart(7)}  ${r.weftMs.toFixed(0).padStart(7)}  ${r.ratio.toFixed(2).padStart(8)}x  ${Math.round(r.weftLinesPerSecond).toLocaleString("en-US").padStart(12)}  ${target.padEnd(18)} ${r.pass ? "pass" : "FAIL"}`,
    );
  }
  const report: PipeReport = { meta: { ...meta, repeat }, rows };
  writeFileSync(resultsPath, JSON.stringify(report, null, 2) + "\n");
  console.error(`saved ${resultsPath}`);
  if (args.publish) console.error(`published ${publish("pipe.json", report)}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
