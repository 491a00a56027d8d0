// `npm run bench:pipe`: `weft pipe` on 2 workers against a plain Node.js loop in one process, both
// whole processes reading the same file on standard input and writing one result a line, on a
// CPU-heavy task (about 5 µs a line) and on a trivial one (the pipe's own cost: lines a second).
// Both run as a user runs them: plain JavaScript in a project (project/) with weft packed and
// installed from the tarball, so neither pays for compiling TypeScript at start. Beside them, the
// loop split by hand: two loop processes at once, each on half the lines, which is what the
// machine's two cores can give these lines at best. After one warm-up each, the runs take turns;
// every output is checked against the loop's. Prints a table, saves
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

// The score task twice: on a partition of Spark's default size (128 MB, spark.sql.files.maxPartitionBytes),
// what RDD.pipe hands each command, where the target applies; and on a short one, where the pipe's
// start (a process that loads weft and starts two worker threads) is much of the time. The target
// is the bar for every shape of work on 2 cores, 1.9x (the issue asked for 1.6x); the loop split by
// hand beside it shows how much of that the machine's cores give these lines at all.
const cases: readonly { task: "score" | "length"; lines: number; target?: PipeRow["target"] }[] = [
  { task: "score", lines: args.quick ? 200_000 : 2_400_000, target: { ratio: 1.9 } },
  { task: "score", lines: args.quick ? 50_000 : 400_000 },
  { task: "length", lines: args.quick ? 500_000 : 4_000_000, target: { linesPerSecond: 1_000_000 } },
];

/** A finished process: its wall time and everything it wrote. */
interface Finished {
  readonly ms: number;
  readonly output: Buffer[];
}

/** Runs `command` with `input` as standard input; resolves once it has exited, with what it wrote. */
function finished(command: readonly string[], input: string, t0: number): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const stdin = openSync(input, "r");
    const child = spawn(process.execPath, command, { stdio: [stdin, "pipe", "inherit"] });
    closeSync(stdin);
    const output: Buffer[] = [];
    child.stdout!.on("data", (data: Buffer) => output.push(data));
    child.once("error", reject);
    child.once("close", (code) => {
      const ms = performance.now() - t0;
      if (code !== 0) reject(new Error(`${command.join(" ")} exited with ${code}`));
      else resolve({ ms, output });
    });
  });
}

/**
 * Runs `command` once per input, all at once, each input as its standard input; resolves with the
 * wall time until the last has exited and a hash of their outputs, in the inputs' order.
 */
async function timed(
  command: readonly string[],
  ...inputs: string[]
): Promise<{ ms: number; digest: string }> {
  const t0 = performance.now();
  const runs = await Promise.all(inputs.map((input) => finished(command, input, t0)));
  const hash = createHash("sha256");
  for (const run of runs) for (const data of run.output) hash.update(data);
  return { ms: Math.max(...runs.map((run) => run.ms)), digest: hash.digest("hex") };
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
    const input = join(scratch, `${task}-${lines}.txt`);
    // Lines of 20 to 80 characters, the same for every run; and the same lines in two halves.
    const halves = [join(scratch, `${task}-${lines}-1.txt`), join(scratch, `${task}-${lines}-2.txt`)];
    let text = "";
    let middle = 0;
    for (let i = 0; i < lines; i++) {
      if (i === Math.floor(lines / 2)) middle = text.length;
      text += `record ${i} ${"abcdefghij".repeat(1 + (i % 7))}\n`;
    }
    writeFileSync(input, text);
    writeFileSync(halves[0]!, text.slice(0, middle));
    writeFileSync(halves[1]!, text.slice(middle));
    const weft = [weftBin, "pipe", join(project, "tasks.js"), task, "--workers", "2"];
    const loop = [join(project, "loop.js"), task];
    const expected = await timed(loop, input);
    const warm = await timed(weft, input);
    if (warm.digest !== expected.digest)
      throw new Error(`weft pipe ${task}: its output differs from the loop's`);
    const times = { loop: [] as number[], weft: [] as number[], split: [] as number[] };
    const contenders = ["loop", "weft", "split"] as const;
    for (let run = 0; run < repeat; run++) {
      // Each run in its turn first, so that none is always timed after the same one.
      for (let k = 0; k < contenders.length; k++) {
        const who = contenders[(run + k) % contenders.length]!;
        const result = await (who === "weft"
          ? timed(weft, input)
          : who === "loop"
            ? timed(loop, input)
            : timed(loop, ...halves));
        if (result.digest !== expected.digest) throw new Error(`${who} ${task}: wrong output`);
        times[who].push(result.ms);
      }
    }
    const row = {
      task,
      lines,
      bytes: text.length,
      loopMs: median(times.loop),
      weftMs: median(times.weft),
      splitMs: median(times.split),
      ratio: median(times.loop) / median(times.weft),
      splitRatio: median(times.loop) / median(times.split),
      weftLinesPerSecond: (lines * 1000) / median(times.weft),
      ...(target && { target }),
    };
    const pass =
      target &&
      ("ratio" in target ? row.ratio >= target.ratio : row.weftLinesPerSecond >= target.linesPerSecond);
    rows.push({ ...row, ...(pass !== undefined && { pass }) });
    console.error(
      `${task}: loop ${row.loopMs.toFixed(0)} ms, weft pipe ${row.weftMs.toFixed(0)} ms, the loop on two halves at once ${row.splitMs.toFixed(0)} ms`,
    );
  }
  const meta = publishedMeta(commandLine("npm run bench:pipe", process.argv.slice(2)), args.quick);
  console.log(`weft pipe on 2 workers vs a plain Node.js loop, whole processes, medians of ${repeat} runs`);
  console.log(
    "task     lines      loop ms  weft ms  loop/weft  split ms  loop/split  weft lines/s  target             result",
  );
  for (const r of rows) {
    const target = !r.target
      ? "-"
      : "ratio" in r.target
        ? `>= ${r.target.ratio}x the loop`
        : `>= ${r.target.linesPerSecond.toLocaleString("en-US")} lines/s`;
    console.log(
      `${r.task.padEnd(8)} ${r.lines.toLocaleString("en-US").padStart(9)}  ${r.loopMs.toFixed(0).padStart(7)}  ${r.weftMs.toFixed(0).padStart(7)}  ${r.ratio.toFixed(2).padStart(8)}x  ${r.splitMs.toFixed(0).padStart(8)}  ${r.splitRatio.toFixed(2).padStart(9)}x  ${Math.round(r.weftLinesPerSecond).toLocaleString("en-US").padStart(12)}  ${target.padEnd(18)} ${r.pass === undefined ? "" : r.pass ? "pass" : "FAIL"}`,
    );
  }
  const report: PipeReport = { meta: { ...meta, repeat }, rows };
  writeFileSync(resultsPath, JSON.stringify(report, null, 2) + "\n");
  console.error(`saved ${resultsPath}`);
  if (args.publish) console.error(`published ${publish("pipe.json", report)}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
