// A `bench` job: `weft bench` in a process of its own (its sequential reference runs take seconds on
// one thread, which must not be the server's), its results read back from a JSON file it writes.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { BenchResults } from "../../../scaling/results.ts";
import { renderScalingTable } from "../../../scaling/table.ts";
import type { BenchSubmission } from "../../api/types.ts";
import { JobError } from "../errors.ts";
import type { Runner } from "./runner.ts";

const execFileAsync = promisify(execFile);
const weftCommand = fileURLToPath(new URL("../../../../bin/weft.js", import.meta.url));

export const runBench: Runner<BenchSubmission> = async (definition, { serviceJobId, signal }) => {
  let dir: string | undefined;
  try {
    dir = await mkdtemp(join(tmpdir(), "weft-bench-job-"));
    const json = join(dir, "results.json");
    await execFileAsync(process.execPath, [weftCommand, ...benchArguments(definition), "--json", json], {
      signal,
      env: { ...process.env, CI: "1" },
      maxBuffer: 16 << 20,
    });
    const results = JSON.parse(await readFile(json, "utf8")) as BenchResults;
    return { summary: { table: renderScalingTable(results) }, entries: [results] };
  } catch (error) {
    if (signal.aborted) throw error;
    // Its command line and output name the server's files: the log has them, the client a fixed line.
    console.error(`weft serve: bench job ${serviceJobId} failed:`, error);
    const code = (error as { code?: unknown }).code;
    throw new JobError(
      typeof code === "number"
        ? `the benchmark failed (weft bench exited with code ${code}); the server's log has its output`
        : "the benchmark failed; the server's log has the details",
    );
  } finally {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }
};

/** `weft bench`'s command line for a bench job, less the output file. */
function benchArguments(definition: BenchSubmission): string[] {
  const args = ["bench", ...definition.workloads, "--workers", definition.workers.join(",")];
  args.push("--repeat", String(definition.repeat ?? 3));
  if (definition.size !== undefined) args.push("--size", String(definition.size));
  else if (definition.quick) args.push("--quick");
  return args;
}
