// `npm test` (through scripts/test.mjs): installs what the suite needs and then runs the whole suite
// on one supported Node.js line and, alongside it, the parts every user meets (the conformance suite
// and a newcomer's first steps) on the other lines, then the conformance parts that
// hold on Bun and Deno. `npm test -- <files or folders>` runs just those, on one line.
import { delimiter, dirname } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { nodeBinary, primaryLine, supportedLines, type Line } from "./node-lines.ts";
import { installOtherRuntimes, runOnOtherRuntimes } from "./other-runtimes.ts";
import { Report } from "./report.ts";
import { ensureRequirements } from "./requirements.ts";

/**
 * What runs on every supported line, not only on the one that runs everything: every backend's
 * contract, and a newcomer's first program from the packed tarball. The examples call the same API
 * the conformance suite covers, and ran a minute and a half beside the suite for it, on a machine
 * whose two cores the suite keeps busy; the rest of test/docs reads the docs and the stored results,
 * which do not change with the line.
 */
const onEveryLine = ["test/conformance", "test/docs/first-steps.test.ts"];

/**
 * The whole suite runs two files at a time, and what runs alongside it one at a time: measured, the
 * suite keeps about 1.4 of a 2-core machine's cores busy (its files wait on timeouts, heartbeats,
 * Redis and child processes), which leaves room for a third file.
 */
const alongsideConcurrency = "1";

const root = fileURLToPath(new URL("../..", import.meta.url));
const runFiles = fileURLToPath(new URL("./run-files.ts", import.meta.url));

/** Runs `paths` with `node` (of `line`), `concurrency` files at a time; true if every test passed. */
async function runOn(
  node: string,
  paths: readonly string[],
  what: string,
  report: Report,
  concurrency?: string,
): Promise<boolean> {
  const version = spawnSync(node, ["--version"], { encoding: "utf8" }).stdout.trim();
  report.line(`\n=== ${what} on Node.js ${version} ===\n`);
  // The line's own node first on PATH, so what the tests start (node, npm, a notebook kernel) runs on it too.
  const env = {
    ...process.env,
    PATH: `${dirname(node)}${delimiter}${process.env.PATH ?? ""}`,
    ...(concurrency === undefined ? {} : { WEFT_TEST_CONCURRENCY: concurrency }),
  };
  return report.run(node, ["--import", "tsx", runFiles, ...paths], { cwd: root, env });
}

ensureRequirements();
const chosen = process.argv.slice(2);
const primary: Line = primaryLine();
const live = Report.live();
let passed: boolean;
if (chosen.length > 0) {
  passed = await runOn(nodeBinary(primary), chosen, chosen.join(" "), live);
} else {
  // Every binary installed before anything runs, so that no install stalls a run under way.
  const otherLines = supportedLines.filter((line) => line !== primary).map((line) => nodeBinary(line));
  const otherRuntimes = installOtherRuntimes(live);
  const alongside = Report.kept();
  const passedAlongside = (async () => {
    let all = true;
    for (const node of otherLines) {
      const what = "the conformance suite and the first steps";
      if (!(await runOn(node, onEveryLine, what, alongside, alongsideConcurrency))) all = false;
    }
    if (!(await runOnOtherRuntimes(otherRuntimes, nodeBinary(primary), alongside))) all = false;
    return all;
  })();
  live.line("(the other Node.js lines, Bun and Deno run alongside; their reports follow this one)");
  const passedSuite = await runOn(nodeBinary(primary), ["test"], "the whole suite", live);
  const passedOthers = await passedAlongside;
  process.stdout.write(alongside.close());
  passed = passedSuite && passedOthers;
}
process.exitCode = passed ? 0 : 1;
