// Runs test files with node:test on the Node.js that runs this script: each file in a process of its
// own, with a time limit per file (see file-watchdog.ts), the spec reporter, and at the end the
// slowest files, so a slow or hanging file is named rather than guessed at.
// Usage: node --import tsx scripts/test/run-files.ts [file or folder ...]   (default: test/)
// WEFT_TEST_CONCURRENCY sets how many files run at once (default 2).
import { readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { run } from "node:test";
import { spec } from "node:test/reporters";
import { fileURLToPath } from "node:url";
import { FailureRecorder, type FailedTest } from "./failures.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Generous: the slowest file takes about a minute on a 2-core machine. A file past it is hanging,
 * and the run goes on without it.
 */
const defaultFileTimeoutMs = 300_000;

/**
 * The files that take far longer than the rest, longest first, as this script's report measured them
 * (from 25 s to 105 s; most files take under 10 s). They start first: started late, one of them
 * would run on alone at the end while the other files' lane stands idle.
 */
const longestFirst = [
  "test/notebook/notebook.test.ts",
  "test/examples.test.ts",
  "test/cluster/redis-failover.test.ts",
  "test/conformance/faults.test.ts",
  "test/cluster/elastic.test.ts",
  "test/server/restart-cluster.test.ts",
  "test/cluster/redis-outages.test.ts",
  "test/server/restart.test.ts",
  "test/docs/first-steps.test.ts",
].map((file) => resolve(root, file));

/** The files given, and every `*.test.ts` under the folders given: the {@link longestFirst}, then the rest sorted. */
function testFiles(paths: readonly string[]): string[] {
  const found = new Set<string>();
  const visit = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const child = join(path, entry.name);
      if (entry.isDirectory() && entry.name !== "node_modules") visit(child);
      else if (entry.name.endsWith(".test.ts")) found.add(child);
    }
  };
  for (const path of paths.map((p) => resolve(root, p))) {
    if (statSync(path).isDirectory()) visit(path);
    else found.add(path);
  }
  const first = longestFirst.filter((file) => found.has(file));
  return [...first, ...[...found].filter((file) => !first.includes(file)).sort()];
}

const files = testFiles(process.argv.length > 2 ? process.argv.slice(2) : ["test"]);
if (files.length === 0) {
  console.error(`no *.test.ts files under ${process.argv.slice(2).join(" ")}`);
  process.exit(1);
}
// Read by file-watchdog.ts in each file's process (not imported here: importing it arms it).
process.env.WEFT_TEST_FILE_TIMEOUT_MS ??= String(defaultFileTimeoutMs);

const stream = run({
  files,
  // Two files at a time by default: measured file by file, a test file keeps 0.8 of a core busy on
  // average (much of a file is spent waiting on timeouts, heartbeats, Redis and child processes), so
  // one file at a time leaves a 2-core machine half idle.
  concurrency: Number(process.env.WEFT_TEST_CONCURRENCY ?? 2),
  execArgv: ["--import", "tsx", "--import", new URL("./file-watchdog.ts", import.meta.url).href],
});

const failures = new FailureRecorder(root);
for (const type of ["test:stderr", "test:diagnostic"] as const) {
  stream.on(type, (data: { file?: string; message: string }) => {
    if (data.file) failures.output(data.file, data.message);
  });
}
// A failing `todo` test is expected to fail (a known bug, written down): it is reported, not counted.
stream.on("test:fail", (data: FailedTest & { todo?: string | boolean }) => {
  if (data.todo !== undefined && data.todo !== false) return;
  process.exitCode = 1;
  failures.failed(data);
});

/** When each file's first and last events arrived: about its wall time, as its events arrive while it runs. */
const seen = new Map<string, { first: number; last: number }>();
for (const type of ["test:dequeue", "test:complete"] as const) {
  stream.on(type, (data: { file?: string }) => {
    if (!data.file) return;
    const now = performance.now();
    const times = seen.get(data.file);
    if (times) times.last = now;
    else seen.set(data.file, { first: now, last: now });
  });
}
await pipeline(stream.compose(spec), process.stdout, { end: false });
const slowest = [...seen]
  .map(([file, { first, last }]) => ({ file: relative(root, file), seconds: (last - first) / 1000 }))
  .sort((a, b) => b.seconds - a.seconds)
  .slice(0, 8);
console.log(`\nslowest files (${files.length} files on Node.js ${process.version}):`);
for (const { file, seconds } of slowest) console.log(`  ${seconds.toFixed(1).padStart(6)} s  ${file}`);
