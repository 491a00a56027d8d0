// Bun and Deno, besides Node.js: a binary of each installed from the npm registry, and the parts of the conformance suite that hold on it run there, with
// TypeScript read by the runtime itself (no tsx). What is left out, and why, is printed with the run.
import { spawnSync } from "node:child_process";
import { delimiter, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { registryBinary } from "./registry-binary.ts";

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

/**
 * Runs the conformance parts that hold on Bun and on Deno; true if every test passed. `node` is the
 * Node.js binary the suite's cluster workers run on under Deno, put first on the PATH.
 */
export function runOnOtherRuntimes(node: string): boolean {
  if (process.platform !== "linux" || process.arch !== "x64") {
    console.log("\n=== Bun and Deno: skipped, the suite installs them for Linux on x64 only ===\n");
    return true;
  }
  return runtimes
    .map((runtime) => {
      // A folder each: an install into a shared one would remove the other runtime as extraneous.
      const path = registryBinary(
        `weft-runtimes/${runtime.name.toLowerCase()}`,
        runtime.pkg,
        runtime.bin,
        runtime.name,
      );
      const version = spawnSync(path, ["--version"], { encoding: "utf8" }).stdout.trim().split("\n")[0];
      console.log(`\n=== ${runtime.files.join(", ")} on ${runtime.name} ${version} ===`);
      console.log(`(left out: ${runtime.leftOut})\n`);
      const result = spawnSync(path, runtime.args(runtime.files), {
        cwd: root,
        stdio: "inherit",
        env: { ...process.env, NO_COLOR: "1", PATH: `${dirname(node)}${delimiter}${process.env.PATH ?? ""}` },
      });
      return result.status === 0;
    })
    .every(Boolean);
}
