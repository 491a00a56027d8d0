// The test runner (scripts/test/run-files.ts) never hangs: a file that does not end is stopped at its
// time limit and reported by name, and told again in the recap `npm test` ends with; and with the
// browser missing the browser tests fail at once, closing what they started, instead of leaving
// their process waiting on an open server.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { failureRecap, failuresFileVariable } from "../../scripts/test/failures.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const runFiles = fileURLToPath(new URL("../../scripts/test/run-files.ts", import.meta.url));

/** Runs the runner on `files` and resolves with its exit code and everything it printed. */
function runTests(
  files: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; output: string }> {
  // Without this, the runner would take itself for a test file and run nothing; and the failures it
  // is meant to see would be recorded as the suite's own.
  const { NODE_TEST_CONTEXT: _, [failuresFileVariable]: __, ...parentEnv } = process.env;
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ["--import", "tsx", runFiles, ...files],
      { cwd: root, env: { ...parentEnv, ...env }, timeout: 240_000, killSignal: "SIGKILL" },
      (error, stdout, stderr) => resolve({ code: child.exitCode ?? 1, output: `${stdout}\n${stderr}` }),
    );
  });
}

/** Runs the runner on `files` as `npm test` does, recording failures; resolves with its result and its recap. */
async function runRecorded(
  t: TestContext,
  files: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; output: string; recap: string | undefined }> {
  const dir = mkdtempSync(join(tmpdir(), "weft-runner-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const failures = join(dir, "failures.jsonl");
  const result = await runTests(files, { ...env, [failuresFileVariable]: failures });
  return { ...result, recap: failureRecap(failures) };
}

test(
  "a file that never ends is stopped at its time limit and named, in the output and in the recap",
  { timeout: 120_000 },
  async (t) => {
    const { code, output, recap } = await runRecorded(t, ["test/fixtures/hanging-file.ts"], {
      WEFT_TEST_FILE_TIMEOUT_MS: "3000",
    });
    assert.equal(code, 1, output);
    const stopped = /hanging-file\.ts did not finish within 3 s: a test, or something a test left open/;
    assert.match(output, stopped);
    assert.match(output, /✖ .*hanging-file\.ts/);
    assert.ok(recap, "the failure was recorded");
    assert.match(recap, /^1 failing test on Node\.js, told again:/);
    assert.match(recap, /test\/fixtures\/hanging-file\.ts.*, on Node\.js v\d+/);
    assert.match(recap, stopped);
  },
);

test(
  "a failing assertion is told again in the recap with its message, once, and not its suite",
  { timeout: 120_000 },
  async (t) => {
    const { code, output, recap } = await runRecorded(t, ["test/fixtures/failing-file.ts"]);
    assert.equal(code, 1, output);
    assert.ok(recap, "the failure was recorded");
    assert.match(recap, /^1 failing test on Node\.js, told again:/);
    assert.match(recap, /✖ compares two answers\n {2}test\/fixtures\/failing-file\.ts, on Node\.js v\d+/);
    assert.match(recap, /the answers differ/);
    assert.match(recap, /- {3}answer: 42/, "with the assertion's diff");
  },
);

test(
  "with the browser missing, the browser tests fail, naming it, and the run ends",
  { timeout: 300_000 },
  async () => {
    const files = ["test/server/dashboard.test.ts", "test/bench/html-report.test.ts"];
    // A generous limit: only a file that hangs would reach it, and then the assertion below says so.
    const { code, output } = await runTests(files, {
      WEFT_CHROMIUM: "/nonexistent/chromium",
      WEFT_TEST_FILE_TIMEOUT_MS: "120000",
    });
    assert.equal(code, 1, output);
    assert.match(output, /Chromium is missing at \/nonexistent\/chromium/);
    assert.doesNotMatch(output, /did not finish within/, "a browser test hung instead of failing");
  },
);
