// The examples run as a user runs them, so the README's commands and tour never rot.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = new URL("..", import.meta.url);

test("the main job counts primes in parallel and matches the sequential count", async () => {
  const { stdout } = await run("node", ["--import", "tsx", "examples/primes.ts", "300000"], { cwd: root });
  assert.match(stdout, /sequential: 25,997 primes/);
  assert.match(stdout, /threads: {4}25,997 primes in [\d.]+ s on \d+ workers/);
  assert.match(stdout, /speedup [\d.]+x .*\n.*the results match/);
});

test("the main job refuses a bad limit with its usage", async () => {
  await assert.rejects(
    run("node", ["--import", "tsx", "examples/primes.ts", "ten"], { cwd: root }),
    (e: Error) => {
      assert.match((e as Error & { stderr: string }).stderr, /usage: npm start -- \[limit\].*got "ten"/);
      return true;
    },
  );
});

test("the README tour runs", async () => {
  const { stdout } = await run("node", ["--import", "tsx", "examples/tour.ts"], { cwd: root });
  assert.match(stdout, /primes below 1e6: 78498 \(futures agree: true\)/);
  assert.match(stdout, /"the" appears 3 times/);
});
