// `npm run bench:install`: what weft costs a project before any work, measured as a user gets it:
// packed, installed from the tarball into an empty project (packed-install.ts), then each
// sample in a fresh Node.js process: the time of `import "weft"`, and the time to start a pool of two
// worker threads and run one item of a task from a module, up to its result. Beside it, in fresh
// processes taking turns with those, the floor: two bare worker_threads Workers started from a module
// file, each answering one message, with nothing of weft.
// Usage: npm run bench:install -- [--repeat N] [--publish]
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs, promisify } from "node:util";
import { installInto, packWeft } from "./packed-install.ts";
import type { InstallReport, Timing } from "./report.ts";
import { median } from "../../src/scaling/analysis.ts";
import { commandLine, publish, publishedMeta } from "../../src/scaling/publish.ts";

const run = promisify(execFile);

const { values } = parseArgs({
  options: { repeat: { type: "string", default: "9" }, publish: { type: "boolean", default: false } },
});
const repeat = Number(values.repeat);
if (!Number.isInteger(repeat) || repeat < 1) throw new Error("--repeat must be a positive integer");

/** Bytes of every file under `dir`, links not followed. */
function sizeOf(dir: string): number {
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) bytes += sizeOf(path);
    else if (entry.isFile()) bytes += statSync(path).size;
  }
  return bytes;
}

// The project's files: a task module and a script that times itself from its first line.
const tasks = `import { task } from "weft";\nexport const double = task(import.meta.url, (x) => 2 * x);\n`;
const probe = `const started = performance.now();
const { weft } = await import("weft");
const imported = performance.now();
const { double } = await import("./tasks.mjs");
const pool = await weft({ workers: 2 });
const [answer] = await pool.from([21]).map(double).collect();
const firstResult = performance.now();
await pool.close();
if (answer !== 42) throw new Error("wrong answer: " + answer);
console.log(JSON.stringify({ importMs: imported - started, poolAndOneItemMs: firstResult - imported }));
`;
const bareWorker = `import { parentPort } from "node:worker_threads";
parentPort.on("message", (x) => parentPort.postMessage(2 * x));
`;
const bareProbe = `import { Worker } from "node:worker_threads";
const started = performance.now();
const workers = [0, 1].map(() => new Worker(new URL("./bare-worker.mjs", import.meta.url)));
const answers = await Promise.all(
  workers.map((w) => new Promise((resolve) => { w.once("message", resolve); w.postMessage(21); })),
);
const answered = performance.now();
await Promise.all(workers.map((w) => w.terminate()));
if (answers.some((a) => a !== 42)) throw new Error("wrong answers: " + answers);
console.log(JSON.stringify({ bareWorkersMs: answered - started }));
`;

const meta = publishedMeta(commandLine("npm run bench:install", process.argv.slice(2)), false);
const scratch = mkdtempSync(join(tmpdir(), "weft-install-bench-"));
try {
  const project = join(scratch, "project");
  await installInto(project, await packWeft(scratch), "install-bench");
  writeFileSync(join(project, "tasks.mjs"), tasks);
  writeFileSync(join(project, "probe.mjs"), probe);
  writeFileSync(join(project, "bare-worker.mjs"), bareWorker);
  writeFileSync(join(project, "bare-probe.mjs"), bareProbe);
  const installBytes = sizeOf(join(project, "node_modules"));
  type Sample = { importMs: number; poolAndOneItemMs: number; bareWorkersMs: number };
  const samples: Sample[] = [];
  const probeOutput = async (script: string) =>
    JSON.parse((await run(process.execPath, [script], { cwd: project })).stdout) as object;
  for (let i = 0; i <= repeat; i++) {
    const sample = { ...(await probeOutput("probe.mjs")), ...(await probeOutput("bare-probe.mjs")) };
    // The first run fills the file system cache, as any program's first run does: not counted.
    if (i > 0) samples.push(sample as Sample);
  }
  const summary = (key: keyof Sample): Timing => {
    const ms = samples.map((s) => s[key]);
    return { medianMs: median(ms), minMs: Math.min(...ms), maxMs: Math.max(...ms), samplesMs: ms };
  };
  const report: InstallReport = {
    meta: { ...meta, repeat, workers: 2 },
    installBytes,
    import: summary("importMs"),
    poolAndOneItem: summary("poolAndOneItemMs"),
    bareWorkers: summary("bareWorkersMs"),
  };
  const mb = (installBytes / 1e6).toFixed(1);
  const line = (name: string, s: Timing) =>
    `${name.padEnd(36)} ${s.medianMs.toFixed(1)} ms (${s.minMs.toFixed(1)} to ${s.maxMs.toFixed(1)})`;
  console.log(`weft installed into an empty project: ${mb} MB of node_modules (Node ${meta.node})`);
  console.log(line('import "weft"', report.import));
  console.log(line("a 2-worker pool and one item's result", report.poolAndOneItem));
  console.log(line("2 bare Workers, one message each", report.bareWorkers));
  if (values.publish)
    console.error(`published ${publish("install.json", report)}; now run npm run docs:results`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
