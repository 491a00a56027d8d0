// `npm test` (through scripts/test.mjs): installs what the suite needs, then runs the whole suite on
// one supported Node.js line, the parts every user meets (the conformance suite, the examples and a
// newcomer's first steps) on the other lines, and the conformance parts that hold on Bun and Deno.
// `npm test -- <files or folders>` runs just those, on one line.
import { spawnSync } from "node:child_process";
import { delimiter, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { nodeBinary, primaryLine, supportedLines, type Line } from "./node-lines.ts";
import { runOnOtherRuntimes } from "./other-runtimes.ts";
import { ensureRequirements } from "./requirements.ts";

/**
 * What runs on every supported line, not only on the one that runs everything. The rest of test/docs
 * reads the docs and the stored results, which do not change with the line.
 */
const onEveryLine = ["test/conformance", "test/examples.test.ts", "test/docs/first-steps.test.ts"];

const root = fileURLToPath(new URL("../..", import.meta.url));
const runFiles = fileURLToPath(new URL("./run-files.ts", import.meta.url));

/** Runs `paths` on `line`; true if every test passed. */
function runOn(line: Line, paths: readonly string[], what: string): boolean {
  const node = nodeBinary(line);
  const version = spawnSync(node, ["--version"], { encoding: "utf8" }).stdout.trim();
  console.log(`\n=== ${what} on Node.js ${version} ===\n`);
  // The line's own node first on PATH, so what the tests start (node, npm, a notebook kernel) runs on it too.
  const env = { ...process.env, PATH: `${dirname(node)}${delimiter}${process.env.PATH ?? ""}` };
  const result = spawnSync(node, ["--import", "tsx", runFiles, ...paths], {
    cwd: root,
    env,
    stdio: "inherit",
  });
  return result.status === 0;
}

ensureRequirements();
const chosen = process.argv.slice(2);
const primary = primaryLine();
const results = [
  runOn(
    primary,
    chosen.length > 0 ? chosen : ["test"],
    chosen.length > 0 ? chosen.join(" ") : "the whole suite",
  ),
];
if (chosen.length === 0) {
  for (const line of supportedLines.filter((l) => l !== primary)) {
    results.push(runOn(line, onEveryLine, "the conformance suite, the examples and the first steps"));
  }
  results.push(runOnOtherRuntimes(nodeBinary(primary)));
}
process.exitCode = results.every(Boolean) ? 0 : 1;
