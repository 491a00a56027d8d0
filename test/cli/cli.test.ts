// The `weft` command as a user runs it: spawned as a process, its output and exit code checked.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, describe, test } from "node:test";
import { descendants, stillRunning } from "../../scripts/test/process-tree.ts";
import type { BenchResults } from "../../src/scaling/results.ts";

const bin = fileURLToPath(new URL("../../bin/weft.js", import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "weft-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));
// A command still running when the tests end (its test timed out) is killed, so the file can exit.
const commands = new AbortController();
after(() => commands.abort());

interface Ran {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `weft args...` with CI set, so progress comes as plain lines. `onStderr` sees the error stream
 * as it grows and may act on the child (send it a signal, say).
 */
function weftCommand(
  args: string[],
  onStderr?: (soFar: string, child: ReturnType<typeof spawn>) => void,
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, CI: "1" },
      stdio: ["ignore", "pipe", "pipe"],
      signal: commands.signal,
      killSignal: "SIGKILL",
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      onStderr?.(stderr, child);
    });
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe("weft CLI", { timeout: 120_000 }, () => {
  test("--help lists every command; --version prints the package's version", async () => {
    const help = await weftCommand(["--help"]);
    assert.equal(help.code, 0);
    for (const command of ["demo", "run", "bench", "workloads", "resume", "pipe", "submit", "jobs", "result"])
      assert.match(help.stdout, new RegExp(`\\n  ${command}`));
    const version = await weftCommand(["--version"]);
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    assert.equal(version.stdout.trim(), pkg.version);
  });

  test("workloads lists the seven built-in workloads", async () => {
    const { code, stdout } = await weftCommand(["workloads"]);
    assert.equal(code, 0);
    for (const name of ["sum-of-squares", "primes", "pi", "matmul", "wordcount", "mandelbrot", "synthetic"]) {
      assert.match(stdout, new RegExp(`^${name} `, "m"));
    }
  });

  test("demo runs the job sequentially and in parallel, checks the answers and reports the speedup", async () => {
    const { code, stdout } = await weftCommand(["demo", "--size", "300000", "--workers", "2"]);
    assert.equal(code, 0, stdout);
    assert.match(stdout, /25,997 primes in/); // π(300,000), both runs
    assert.equal(stdout.match(/25,997 primes in/g)?.length, 2);
    assert.match(stdout, /worker 0: \d+ chunks/);
    assert.match(stdout, /worker 1: \d+ chunks/);
    assert.match(stdout, /The answers agree\. Speedup \d+\.\d\dx on 2 workers/);
    assert.match(stdout, /parallel efficiency \d+%/);
  });

  test("bench measures each worker count, prints the table and saves JSON and HTML", async () => {
    const json = join(dir, "bench.json");
    const html = join(dir, "report", "bench.html");
    const { code, stdout, stderr } = await weftCommand([
      "bench",
      "primes",
      "pi",
      "--quick",
      "--workers",
      "1,2",
      "--repeat",
      "1",
      "--json",
      json,
      "--html",
      html,
    ]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /primes: primes below 1,000,000/);
    assert.match(stdout, /2 workers .* \d\.\d\dx/);
    const results = JSON.parse(readFileSync(json, "utf8")) as BenchResults;
    assert.equal(results.complete, true);
    assert.deepEqual(
      results.workloads.map((w) => [w.workload, w.parallel.map((p) => p.workers), w.sequential.length]),
      [
        ["primes", [1, 2], 1],
        ["pi", [1, 2], 1],
      ],
    );
    assert.ok(results.workloads[0]!.parallel[1]!.timeline.length > 0, "the timeline of the 2-worker run");
    assert.match(readFileSync(html, "utf8"), /<canvas/);
  });

  test("bench --scaling weak grows the size with the workers and fits Gustafson's law", async () => {
    const json = join(dir, "weak.json");
    const { code, stdout, stderr } = await weftCommand([
      "bench",
      "synthetic",
      "--quick",
      "--scaling",
      "weak",
      "--workers",
      "1,2",
      "--repeat",
      "1",
      "--serial-fraction",
      "0.2",
      "--json",
      json,
    ]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /Gustafson model, f = /);
    const [synthetic] = (JSON.parse(readFileSync(json, "utf8")) as BenchResults).workloads;
    assert.equal(synthetic!.scaling, "weak");
    assert.deepEqual(synthetic!.knobs, { itemMicros: 200, serialFraction: 0.2 });
    assert.deepEqual(
      synthetic!.sequential.map((s) => s.size),
      [500, 1000],
    );
    assert.deepEqual(
      synthetic!.parallel.map((p) => [p.workers, p.size]),
      [
        [1, 500],
        [2, 1000],
      ],
    );
  });

  test("bad flags, bad values and unknown workloads fail with a message saying what was wrong", async () => {
    const cases: [string[], RegExp][] = [
      [["bench", "--frobnicate"], /unknown option '--frobnicate'/],
      [["bench", "--workers", "two"], /--workers <list>' argument 'two' is invalid.*such as 1,2,4/],
      [["bench", "--repeat", "0"], /--repeat <n>' argument '0' is invalid\. expected a positive integer/],
      [["bench", "--backend", "gpu"], /argument 'gpu' is invalid\. Allowed choices are threads, processes/],
      [["bench", "--serial-fraction", "1.5"], /expected a fraction from 0 up to/],
      [["bench", "--size", "10", "--quick"], /--size and --quick cannot be used together/],
      [
        ["bench", "no-such-workload", "--quick"],
        /unknown workload "no-such-workload": the workloads are sum-of-squares, primes/,
      ],
      [["frobnicate"], /unknown command 'frobnicate'/],
      [["demo", "--workers", "-1"], /--workers <n>' argument '-1' is invalid/],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await weftCommand(args);
      assert.equal(code, 1, `weft ${args.join(" ")} exits with 1`);
      assert.match(stderr, message, `weft ${args.join(" ")}`);
    }
  });

  test("run executes a TypeScript script whose task modules import weft by name, on threads and processes", async () => {
    for (const backend of ["threads", "processes"]) {
      const { code, stdout, stderr } = await weftCommand([
        "run",
        fixture("sum-of-doubles.ts"),
        "--",
        "1000",
        backend,
      ]);
      assert.equal(code, 0, stderr);
      assert.equal(stdout.trim(), "sum of doubles below 1000: 999000");
    }
  });

  test("run reports a script that throws and exits non-zero", async () => {
    const { code, stderr } = await weftCommand(["run", fixture("throws.ts")]);
    assert.equal(code, 1);
    assert.match(stderr, /this script fails on purpose/);
  });

  test("Ctrl-C during a bench ends the workers, saves the results as incomplete and exits with 130", async () => {
    const json = join(dir, "interrupted.json");
    const childEntry = "backends/processes/child";
    let workers: number[] = [];
    let interrupted = false;
    // Interrupted once the first parallel run is done, while the next one is under way.
    const ran = await weftCommand(
      [
        "bench",
        "primes",
        "--size",
        "3000000",
        "--workers",
        "1,2",
        "--repeat",
        "3",
        "--backend",
        "processes",
        "--json",
        json,
      ],
      (stderr, child) => {
        if (!interrupted && /primes on 1 process: /.test(stderr)) {
          interrupted = true;
          // Its worker processes, taken before they may be reparented as the command ends.
          workers = descendants(child.pid!).filter((pid) => stillRunning(pid, childEntry));
          child.kill("SIGINT");
        }
      },
    );
    assert.ok(interrupted, `never saw a parallel run finish: ${ran.stderr}`);
    assert.equal(ran.code, 130, ran.stderr);
    assert.match(ran.stdout, /INTERRUPTED/);
    const results = JSON.parse(readFileSync(json, "utf8")) as BenchResults;
    assert.equal(results.complete, false);
    assert.equal(results.workloads[0]!.interrupted, true);
    assert.ok(
      results.workloads[0]!.parallel.every((series) => series.samplesMs.length === 3),
      "a series cut short is not reported as measured",
    );
    // Its worker processes ended with the command (only its own: other tests run processes too).
    assert.ok(workers.length > 0, "the command had no worker processes when it was interrupted");
    assert.deepEqual(
      workers.filter((pid) => stillRunning(pid, childEntry)),
      [],
      "worker processes left running",
    );
  });

  test("the package's bin points at this command", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      bin: Record<string, string>;
    };
    assert.ok(existsSync(fileURLToPath(new URL(`../../${pkg.bin.weft}`, import.meta.url))));
  });
});
