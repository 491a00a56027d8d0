// The test runner (scripts/test/run-files.ts) never hangs: a file that does not end is stopped at its
// time limit and reported by name, and with the browser missing the browser tests fail at once,
// closing what they started, instead of leaving their process waiting on an open server.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const runFiles = fileURLToPath(new URL("../../scripts/test/run-files.ts", import.meta.url));

/** Runs the runner on `files` and resolves with its exit code and everything it printed. */
function runTests(
  files: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; output: string }> {
  // Without this, the runner would take itself for a test file and run nothing.
  const { NODE_TEST_CONTEXT: _, ...parentEnv } = process.env;
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ["--import", "tsx", runFiles, ...files],
      { cwd: root, env: { ...parentEnv, ...env }, timeout: 240_000, killSignal: "SIGKILL" },
      (error, stdout, stderr) => resolve({ code: child.exitCode ?? 1, output: `${stdout}\n${stderr}` }),
    );
  });
}

test("a file that never ends is stopped at its time limit and named", { timeout: 120_000 }, async () => {
  const { code, output } = await runTests(["test/fixtures/hanging-file.ts"], {
    WEFT_TEST_FILE_TIMEOUT_MS: "3000",
  });
  assert.equal(code, 1, output);
  assert.match(output, /hanging-file\.ts did not finish within 3 s: a test, or something a test left open/);
  assert.match(output, /✖ .*hanging-file\.ts/);
});

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
