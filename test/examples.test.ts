// The examples run as a user runs them, so the README's commands and tour never rot.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = new URL("..", import.meta.url);

test("the README tour runs", async () => {
  const { stdout } = await run("node", ["--import", "tsx", "examples/tour.ts"], { cwd: root });
  assert.match(stdout, /primes below 1e6: 78498 \(futures agree: true\)/);
  assert.match(stdout, /"the" appears 3 times/);
});
