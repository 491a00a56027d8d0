// `weft pipe` driven as Spark's RDD.pipe drives a command (newline framing, standard input closed at
// the end of the partition, an empty partition) and as a Dask job does through
// integrations/python/weft_dask.py, on a real Dask LocalCluster bound to the loopback address.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { weftBin } from "../cluster/helpers.ts";
import { checkLeaks } from "../support/leaks.ts";

checkLeaks();

const tasks = fileURLToPath(new URL("../fixtures/tasks.ts", import.meta.url));
const pythonHelper = fileURLToPath(new URL("../../integrations/python", import.meta.url));
const daskJob = fileURLToPath(new URL("fixtures/dask_job.py", import.meta.url));

/**
 * Starts `command` with its standard input set non-blocking, as some launchers leave it: Python sets
 * the flag on the descriptor, then becomes the command.
 */
const nonBlockingStdin = [
  "python3",
  "-c",
  "import os, sys; os.set_blocking(0, False); os.execv(sys.argv[1], sys.argv[1:])",
];

/**
 * `weft pipe` as a partition's command: `write` feeds its standard input, which is closed after;
 * with `launcher`, started through it.
 */
async function pipe(
  args: readonly string[],
  write: (stdin: NodeJS.WritableStream, stdout: () => string) => void | Promise<void> = () => {},
  launcher: readonly string[] = [],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const command = [...launcher, process.execPath, weftBin, "pipe", ...args];
  const child = spawn(command[0]!, command.slice(1), { stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (data: Buffer) => (stdout += data.toString()));
  child.stderr.on("data", (data: Buffer) => (stderr += data.toString()));
  const closed = once(child, "close");
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  try {
    await write(child.stdin, () => stdout);
    child.stdin.end();
    const [code] = (await closed) as [number | null];
    return { code, stdout, stderr };
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}

const lines = (text: string) => text.split("\n").slice(0, -1);

test("records in as lines, results out in input order, one a line; an empty partition gives nothing", async () => {
  const n = 5000;
  const input = Array.from({ length: n }, (_, i) => String(i)).join("\n") + "\n";
  const text = await pipe([tasks, "square", "--workers", "2", "--block", "100"], (stdin) => {
    stdin.write(input);
  });
  assert.equal(text.code, 0, text.stderr);
  assert.deepEqual(
    lines(text.stdout),
    Array.from({ length: n }, (_, i) => String(i * i)),
  );

  const empty = await pipe([tasks, "square"]);
  assert.deepEqual(empty, { code: 0, stdout: "", stderr: "" });

  // A line longer than the pipe's read buffer (1 MiB, which grows for it) and far longer than a
  // block, written a piece at a time, comes through whole, and so does the line after it.
  const long = "x".repeat(3_000_000);
  const longLine = await pipe([tasks, "identity", "--json"], async (stdin) => {
    for (let at = 0; at < long.length; at += 250_000) {
      stdin.write(at === 0 ? `"${long.slice(at, at + 250_000)}` : long.slice(at, at + 250_000));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    stdin.write('"\n2\n');
  });
  assert.equal(longLine.code, 0, longLine.stderr);
  assert.deepEqual(lines(longLine.stdout), [JSON.stringify(long), "2"]);

  // "\r\n" ends, and a last line without an end, as a Windows-made file has them.
  const crlf = await pipe([tasks, "words", "--json"], (stdin) => {
    stdin.write('"a b"\r\n"c"\r\n"d e f"');
  });
  assert.equal(crlf.code, 0, crlf.stderr);
  assert.deepEqual(lines(crlf.stdout), ['["a","b"]', '["c"]', '["d","e","f"]']);
});

test("results stream out while the input still comes", async () => {
  const batch = 1000;
  const result = await pipe([tasks, "square", "--workers", "2", "--block", "64"], async (stdin, stdout) => {
    const block = (from: number) => Array.from({ length: batch }, (_, i) => `${from + i}\n`).join("");
    for (let b = 0; b < 3; b++) stdin.write(block(b * batch));
    // The first lines' results come out before the rest of the input is written.
    for (let wait = 0; lines(stdout()).length === 0; wait++) {
      assert.ok(wait < 3000, "no result came out while the input was still open");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    for (let b = 3; b < 10; b++) stdin.write(block(b * batch));
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(lines(result.stdout).length, 10 * batch);
  assert.equal(lines(result.stdout)[9999], String(9999 * 9999));
});

test("a standard input left non-blocking is read to its end, however slowly it comes", async () => {
  const n = 40;
  const result = await pipe(
    [tasks, "square", "--workers", "2"],
    async (stdin, stdout) => {
      stdin.write("0\n");
      // Once the first result is out the pipe is reading, and finds the input empty between the
      // pieces that follow, a line cut in two among them.
      for (let wait = 0; lines(stdout()).length === 0; wait++) {
        assert.ok(wait < 3000, "no result came out while the input was still open");
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const rest = Array.from({ length: n - 1 }, (_, i) => `${i + 1}\n`).join("");
      for (let at = 0; at < rest.length; at += 7) {
        stdin.write(rest.slice(at, at + 7));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    nonBlockingStdin,
  );
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(
    lines(result.stdout),
    Array.from({ length: n }, (_, i) => String(i * i)),
  );
});

test("a failing line: exit 1 naming it, after the results before it; with --errors skip, reported and left out", async () => {
  const input = "12\n13\n14\n";
  const failed = await pipe([tasks, "failOn", "--json"], (stdin) => void stdin.write(input));
  assert.equal(failed.code, 1);
  assert.equal(failed.stdout, "12\n");
  assert.match(failed.stderr, /^weft pipe: line 2: failOn .* threw RangeError: unlucky 13\n$/);

  const skipped = await pipe([tasks, "failOn", "--json", "--errors", "skip"], (stdin) => {
    stdin.write(input + "not json\n15\n");
  });
  assert.equal(skipped.code, 0);
  assert.equal(skipped.stdout, "12\n14\n15\n");
  assert.match(skipped.stderr, /skipped line 2: failOn .* unlucky 13/);
  assert.match(skipped.stderr, /skipped line 4: not JSON/);

  // A text result of two lines ends the run after the results before it; --json would write it whole.
  const broken = await pipe([tasks, "linesOf"], (stdin) => void stdin.write("2\n3\n4\n"));
  assert.equal(broken.code, 1);
  assert.equal(broken.stdout, "2\n");
  assert.match(broken.stderr, /^weft pipe: line 2: the task's result holds a line break: use --json/);
  // No line can stand for it, so --errors skip does not go past it either.
  const brokenSkip = await pipe([tasks, "linesOf", "--errors", "skip"], (stdin) => {
    stdin.write("2\n3\n4\n");
  });
  assert.equal(brokenSkip.code, 1);
  assert.equal(brokenSkip.stdout, "2\n");
  assert.match(brokenSkip.stderr, /^weft pipe: line 2: the task's result holds a line break/);

  const unknown = await pipe([tasks, "nope"]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /defines no task named nope; it defines isPrime, square/);
});

test("a Dask job on a LocalCluster calls a weft task through the Python helper, and gets Python's answer", async (t) => {
  const hasDask = spawnSync("/usr/bin/python3", ["-c", "import dask.bag, dask.distributed"]).status === 0;
  if (!hasDask)
    return t.skip("Debian's python3-dask and python3-distributed are not installed (npm test installs them)");
  const command = JSON.stringify([process.execPath, weftBin]);
  const job = spawn("/usr/bin/python3", [daskJob, pythonHelper, command, tasks], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  job.stdout.on("data", (data: Buffer) => (stdout += data.toString()));
  job.stderr.on("data", (data: Buffer) => (stderr += data.toString()));
  const timer = setTimeout(() => job.kill("SIGKILL"), 120_000);
  try {
    const [code] = (await once(job, "close")) as [number | null];
    assert.equal(code, 0, stderr);
  } finally {
    clearTimeout(timer);
  }
  const result = JSON.parse(stdout.trim().split("\n").at(-1)!) as {
    equal: boolean;
    count: number;
    failure: string;
  };
  assert.deepEqual({ equal: result.equal, count: result.count }, { equal: true, count: 2000 });
  assert.match(result.failure, /weft pipe .* failOn failed: weft pipe: line 3: failOn .* unlucky 13/);
});
