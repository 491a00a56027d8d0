// Tasks next to the code that uses them: a script that defines a task and starts the pool works on
// every backend, though every worker imports it; a script whose top-level code cannot run in a
// worker fails fast and says why; a module that never finishes loading fails after a bounded wait.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { TaskError, WorkerError, weft } from "../../src/index.ts";
import { moduleLoadLimitMs } from "../../src/task/load.ts";
import { waitsForever } from "../fixtures/awaits-forever.ts";
import { add, square } from "../fixtures/tasks.ts";
import { startsAPool } from "../fixtures/nested-pool.ts";
import { startCluster } from "../support/cluster.ts";
import { checkLeaks } from "../support/leaks.ts";

checkLeaks();

const script = (name: string) => fileURLToPath(new URL(`../fixtures/scripts/${name}`, import.meta.url));

/** Runs a script as a user does (`node --import tsx script.ts`); resolves with its output, whatever its exit. */
function runScript(
  name: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ["--import", "tsx", script(name)],
      { env: { ...process.env, ...env }, timeout: 60_000, killSignal: "SIGKILL" },
      (_error, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

describe("a task defined in the script that starts the pool", () => {
  for (const backend of ["sequential", "threads", "processes"] as const) {
    test(`runs on ${backend}`, async () => {
      const { code, stdout, stderr } = await runScript("first-program.ts", {
        WEFT_TEST_OPTIONS: JSON.stringify({ backend, workers: 2 }),
      });
      assert.equal(code, 0, stderr);
      assert.match(stdout, new RegExp(`doubled on ${backend}: 0,2,4,6,8,10,12,14,16,18`));
    });
  }

  test("runs on a cluster whose workers serve the script itself", async () => {
    await using cluster = await startCluster(2, { modules: [script("first-program.ts")], threads: 1 });
    // The script stops at `await weft()` in the worker too, before its exports can be read: its task
    // goes by its place in the script.
    assert.match(cluster.workers[0]!.output(), /serving first-program#0/);
    const { code, stdout, stderr } = await runScript("first-program.ts", {
      WEFT_TEST_OPTIONS: JSON.stringify({ redis: cluster.redis.authUrl }),
    });
    assert.equal(code, 0, stderr);
    assert.match(stdout, /doubled on redis: 0,2,4,6,8,10,12,14,16,18/);
  });

  test("a script whose main() exits on errors is stopped in the workers, not sent to its handler", async () => {
    const { code, stdout, stderr } = await runScript("main-with-catch.ts");
    assert.equal(code, 0, stderr);
    assert.match(stdout, /negated: -1,-2,-3/);
    assert.equal(stderr, "");
  });

  test("a second of work at the top level is repeated by every worker, and the answer is right", async () => {
    const { code, stdout, stderr } = await runScript("heavy-top-level.ts");
    assert.equal(code, 0, stderr);
    assert.match(stdout, /shifted: 101,102,103/);
  });

  test("top-level code that throws in a worker fails the job at once, naming the module and the fix", async () => {
    const { code, stdout, stderr } = await runScript("stops-after-tasks.ts");
    assert.equal(code, 0, stderr);
    assert.match(
      stdout,
      /the job failed: a worker could not load task module .*stops-after-tasks\.ts: listen EADDRINUSE.*import\.meta\.main/,
    );
    // The module's own error, as it happened: not the bounded wait for a module that never finishes.
    assert.doesNotMatch(stdout, /had not finished loading/);
  });
});

test(
  "a module still loading in a worker after the limit fails its job with what to do; the pool stays usable",
  { timeout: moduleLoadLimitMs + 30_000 },
  async () => {
    await using pool = await weft({ workers: 1 });
    await assert.rejects(pool.from([1]).map(waitsForever).collect(), (error: Error) => {
      assert.ok(error instanceof WorkerError, String(error));
      assert.match(
        error.message,
        new RegExp(`awaits-forever\\.ts had not finished loading after ${moduleLoadLimitMs / 1000} s`),
      );
      assert.match(error.message, /move the tasks into a module of their own/);
      return true;
    });
    assert.equal(await pool.range(0, 10).map(square).reduce(add), 285);
  },
);

test("weft() inside a task is refused with an error that says why", async () => {
  await using pool = await weft({ workers: 1 });
  await assert.rejects(pool.from([1]).map(startsAPool).collect(), (error: TaskError) => {
    assert.ok(error instanceof TaskError);
    assert.equal((error.cause as Error).name, "PoolInWorkerError");
    assert.match(
      error.message,
      /does not start a pool inside a weft worker: a task that needs more parallelism/,
    );
    return true;
  });
});
