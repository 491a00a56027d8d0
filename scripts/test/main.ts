// `npm test` (through scripts/test.mjs): installs what the suite needs and then runs the whole suite
// on one supported Node.js line, then the parts every user meets (the conformance suite and a
// newcomer's first steps) on the other lines, then the conformance parts that hold on Bun and Deno.
// `npm test -- <files or folders>` runs just those, on one line.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { failureRecap, failuresFileVariable } from "./failures.ts";
import { nodeBinary, primaryLine, supportedLines, type Line } from "./node-lines.ts";
import { installOtherRuntimes, runOnOtherRuntimes } from "./other-runtimes.ts";
import { line, runCommand } from "./report.ts";
import { ensureRequirements } from "./requirements.ts";

/**
 * What runs on every supported line, not only on the one that runs everything: every backend's
 * contract, and a newcomer's first program from the packed tarball. The examples call the same API
 * the conformance suite covers, in more than two minutes; the rest of test/docs reads the docs and
 * the stored results, which do not change with the line.
 */
const onEveryLine = ["test/conformance", "test/docs/first-steps.test.ts"];

const root = fileURLToPath(new URL("../..", import.meta.url));
const runFiles = fileURLToPath(new URL("./run-files.ts", import.meta.url));

/** The parts that failed, by name, for the last lines of the run. */
const failedParts: string[] = [];

/** Runs `paths` with `node`, two files at a time. */
async function runOn(node: string, paths: readonly string[], what: string): Promise<void> {
  const version = spawnSync(node, ["--version"], { encoding: "utf8" }).stdout.trim();
  const part = `${what} on Node.js ${version}`;
  line(`\n=== ${part} ===\n`);
  // The line's own node first on PATH, so what the tests start (node, npm, a notebook kernel) runs on it too.
  const env = { ...process.env, PATH: `${dirname(node)}${delimiter}${process.env.PATH ?? ""}` };
  if (!(await runCommand(node, ["--import", "tsx", runFiles, ...paths], { cwd: root, env }))) {
    failedParts.push(part);
  }
}

ensureRequirements();
const failuresDir = mkdtempSync(join(tmpdir(), "weft-test-failures-"));
const failuresFile = join(failuresDir, "failures.jsonl");
process.env[failuresFileVariable] = failuresFile;
const chosen = process.argv.slice(2);
const primary: Line = primaryLine();
if (chosen.length > 0) {
  await runOn(nodeBinary(primary), chosen, chosen.join(" "));
} else {
  // Every binary installed before anything runs, so that no install stalls a run under way.
  const otherLines = supportedLines.filter((other) => other !== primary).map((other) => nodeBinary(other));
  const otherRuntimes = installOtherRuntimes();
  // One part after another, each on both cores. They used to run beside the whole suite, but the
  // suite alone keeps 1.8 of a 2-core machine's cores busy: measured, running them beside it bought
  // nothing (the tests took 14 and 16 minutes in two runs that way, 14 and 13 one after another).
  await runOn(nodeBinary(primary), ["test"], "the whole suite");
  for (const node of otherLines) await runOn(node, onEveryLine, "the conformance suite and the first steps");
  if (!(await runOnOtherRuntimes(otherRuntimes, nodeBinary(primary)))) {
    failedParts.push("the conformance parts on Bun and Deno");
  }
}
const recap = failureRecap(failuresFile);
rmSync(failuresDir, { recursive: true, force: true });
if (failedParts.length > 0) line(`\n=== failed: ${failedParts.join("; ")}${recap ? `\n\n${recap}` : ""}`);
process.exitCode = failedParts.length > 0 ? 1 : 0;
