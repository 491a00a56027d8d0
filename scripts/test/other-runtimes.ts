// Bun and Deno, besides Node.js: a binary of each installed from the npm registry, and the parts of the conformance suite that hold on it run there, with
// TypeScript read by the runtime itself (no tsx). What is left out, and why, is printed with the run.
import { spawnSync } from "node:child_process";
import { delimiter, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { registryBinary } from "./registry-binary.ts";
import { line, runCommand } from "./report.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const conformance = (name: string) => `test/conformance/${name}.test.ts`;

interface Runtime {
  readonly name: string;
  /** The npm package that carries the binary, and the binary's path inside it. */
  readonly pkg: string;
  readonly bin: string;
  readonly args: (files: readonly string[]) => string[];
  readonly files: readonly string[];
  readonly leftOut: string;
}

const runtimes: readonly Runtime[] = [
  {
    name: "Bun",
    pkg: "@oven/bun-linux-x64",
    bin: "bin/bun",
    args: (files) => ["test", "--timeout", "60000", ...files],
    files: ["results", "errors", "lifecycle", "concurrency"].map(conformance),
    leftOut:
      "the faults part: on Bun a worker thread takes no heap limit (resourceLimits), and a child process that exits or is killed is not replaced as on Node.js",
  },
  {
    name: "Deno",
    pkg: "@deno/linux-x64-glibc",
    bin: "deno",
    // Type checking is the project's own (npm run check); Deno's would check every file again.
    args: (files) => [
      "test",
      "-A",
      "--no-check",
      "--filter",
      "/^(results|errors) on (sequential|threads|redis)$/",
      ...files,
    ],
    files: ["results", "errors"].map(conformance),
    leftOut:
      "the processes backend (a result that cannot be copied back fails as a crash, not with its own error) and the faults part (it does not finish); on redis, the workers run on Node.js",
  },
];

/** A runtime and its binary, installed if it was not yet. */
export interface InstalledRuntime {
  readonly runtime: Runtime;
  readonly path: string;
}

/** Bun and Deno, installed now; none off Linux on x64, the only platform the suite installs them for. */
export function installOtherRuntimes(): InstalledRuntime[] {
  if (process.platform !== "linux" || process.arch !== "x64") {
    line("\n=== Bun and Deno: skipped, the suite installs them for Linux on x64 only ===\n");
    return [];
  }
  // A folder each: an install into a shared one would remove the other runtime as extraneous.
  return runtimes.map((runtime) => ({
    runtime,
    path: registryBinary(
      `weft-runtimes/${runtime.name.toLowerCase()}`,
      runtime.pkg,
      runtime.bin,
      runtime.name,
    ),
  }));
}

/**
 * Runs the conformance parts that hold on Bun and on Deno; true if every test passed. `node` is the
 * Node.js binary the suite's cluster workers run on under Deno, put first on the PATH.
 */
export async function runOnOtherRuntimes(
  installed: readonly InstalledRuntime[],
  node: string,
): Promise<boolean> {
  let passed = true;
  for (const { runtime, path } of installed) {
    const version = spawnSync(path, ["--version"], { encoding: "utf8" }).stdout.trim().split("\n")[0];
    line(`\n=== ${runtime.files.join(", ")} on ${runtime.name} ${version} ===`);
    line(`(left out: ${runtime.leftOut})\n`);
    const env = {
      ...process.env,
      NO_COLOR: "1",
      PATH: `${dirname(node)}${delimiter}${process.env.PATH ?? ""}`,
    };
    if (!(await runCommand(path, runtime.args(runtime.files), { cwd: root, env }))) passed = false;
  }
  return passed;
}
