// `weft submit`, `weft jobs` and `weft result` as a user runs them, against a live service on
// loopback: jobs of each kind sent and their results printed, the list as a table and as JSON, and
// every bad input, refused token and unreachable service told as an error with a non-zero exit code.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import type { JobView } from "../../src/client/index.ts";
import { runWeft } from "../cluster/helpers.ts";
import { checkLeaks } from "../support/leaks.ts";
import { crashTasks, fixtureTasks, primesBelow200k, serve } from "../server/http.ts";

checkLeaks();

interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `weft args...` in a process of its own, `input` on its standard input, with neither WEFT_URL nor
 * WEFT_TOKEN unless `env` sets them; killed if it runs past 30 s.
 */
function weft(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<Ran> {
  const env = { WEFT_URL: undefined, WEFT_TOKEN: undefined, ...options.env };
  return runWeft(args, 30_000, env, options.input ?? "");
}

/** Asserts the command failed with exit code 1, saying `message` on standard error and nothing on standard output. */
function assertFailed(ran: Ran, message: RegExp, what: string): void {
  assert.equal(ran.code, 1, `${what}: exit code 1; stderr: ${ran.stderr}`);
  assert.match(ran.stderr, message, what);
  assert.equal(ran.stdout, "", `${what}: nothing on standard output`);
}

describe("weft submit, jobs and result", { timeout: 120_000 }, () => {
  test("submit --wait prints the result; submit prints the id that result and jobs know", async () => {
    await using server = await serve();
    const url = ["--url", server.url];

    const waited = await weft(["submit", "--workload", "primes", "--size", "200000", "--wait", ...url]);
    assert.equal(waited.code, 0, waited.stderr);
    assert.equal(waited.stdout, `${primesBelow200k}\n`);
    assert.match(waited.stderr, /primes below 200,000, queued as job [0-9a-f-]{36}; waiting for it/);

    const submitted = await weft([
      "submit",
      "--task",
      "tasks.isPrime",
      "--op",
      "filter",
      "--range",
      "0:30",
      ...url,
    ]);
    assert.equal(submitted.code, 0, submitted.stderr);
    const id = submitted.stdout.trim();
    assert.match(id, /^[0-9a-f-]{36}$/, "the id alone on standard output");
    assert.match(submitted.stderr, new RegExp(`weft result ${id} --wait prints its result`));
    const result = await weft(["result", id, "--wait", "--wait-timeout", "30", ...url]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]);

    const table = await weft(["jobs", ...url]);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split("\n");
    assert.match(lines[0]!, /^ID +STATE +CREATED +TOOK +JOB$/);
    assert.match(
      lines[1]!,
      new RegExp(`^${id} +completed +\\S+Z +\\d+\\.\\d s +filter tasks\\.isPrime over \\[0, 30\\)$`),
    );
    assert.match(lines[2]!, /completed .* primes below 200,000$/);
    assert.equal(lines.length, 3);

    const listed = await weft(["jobs", "--json", "--state", "completed", "--limit", "1", ...url]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(
      (JSON.parse(listed.stdout) as JobView[]).map((job) => job.id),
      [id],
    );
    const none = await weft(["jobs", "--state", "failed", ...url]);
    assert.equal(none.stdout, `no failed jobs at ${server.url}\n`);
  });

  test("submit sends each kind of job as the flags or the job file say", async () => {
    await using server = await serve();
    const dir = mkdtempSync(join(tmpdir(), "weft-submit-"));
    try {
      const url = ["--url", server.url];
      const idOf = async (args: string[], input?: string) => {
        const ran = await weft(["submit", ...args, ...url], { ...(input !== undefined && { input }) });
        assert.equal(ran.code, 0, ran.stderr);
        return ran.stdout.trim();
      };
      const definitionOf = async (id: string) => (await server.client.job(id)).definition;

      const items = await idOf([
        "--task",
        "tasks.square",
        "--items",
        "[1, 2, 3]",
        "--retries",
        "2",
        "--chunk-timeout",
        "5000",
      ]);
      assert.deepEqual(await definitionOf(items), {
        type: "task",
        task: "tasks.square",
        input: { items: [1, 2, 3] },
        options: { retries: 2, timeoutMs: 5000 },
      });
      const range = await idOf([
        "--task",
        "tasks.square",
        "--range",
        "0:1_000:10",
        "--reduce",
        "sum",
        "--workers",
        "1",
      ]);
      assert.deepEqual(await definitionOf(range), {
        type: "task",
        task: "tasks.square",
        input: { range: { from: 0, to: 1000, step: 10 } },
        reduce: "sum",
        options: { workers: 1 },
      });
      const file = join(dir, "job.json");
      const bench = { type: "bench", workloads: ["pi"], workers: [1], quick: true, repeat: 1 };
      writeFileSync(file, JSON.stringify(bench));
      assert.deepEqual(await definitionOf(await idOf(["--job", file])), bench);
      const workload = { type: "workload", workload: "pi", size: 1000 };
      assert.deepEqual(await definitionOf(await idOf(["--job", "-"], JSON.stringify(workload))), workload);
      for (const id of [items, range])
        await server.client.waitFor(id, { signal: AbortSignal.timeout(30_000) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("result says why a job has none: not yet (with --wait to wait), failed, or waited for too long", async () => {
    await using server = await serve({ tasks: [fixtureTasks, crashTasks] });
    const url = ["--url", server.url];
    const client = server.client;
    const running = await client.submit({
      type: "task",
      task: "crash-tasks.waitsForAbort",
      input: { items: [1] },
    });
    try {
      assertFailed(
        await weft(["result", running.id, ...url]),
        new RegExp(
          `^weft: job ${running.id} is (queued|running): its result exists once it is completed: weft result ${running.id} --wait waits for it\\n$`,
        ),
        "a job not finished",
      );
      assertFailed(
        await weft(["result", running.id, "--wait", "--wait-timeout", "0.5", ...url]),
        new RegExp(
          `^weft: job ${running.id} is still (queued|running) after 0\\.5 s: weft result ${running.id} --wait waits again`,
        ),
        "a wait that runs out",
      );
    } finally {
      await client.cancel(running.id);
    }
    const failing = await weft(["submit", "--task", "tasks.failOn", "--items", "[1, 13]", "--wait", ...url]);
    assertFailed(failing, /^weft submit: .*\nweft: job \S+ failed: .*unlucky 13/, "a job that fails");
  });

  test("bad input: each says what was wrong and what to give, and exits 1", async () => {
    await using server = await serve();
    const url = ["--url", server.url];
    const cases: [string[], RegExp][] = [
      [
        ["submit"],
        /^weft: nothing to submit: give --workload <name>, --task <name> with --items or --range, or --job <file>\n$/,
      ],
      [
        ["submit", "--workload", "primes", "--task", "tasks.square"],
        /--workload and --task each describe a job: give one of/,
      ],
      [
        ["submit", "--task", "tasks.square"],
        /--task tasks\.square needs its input: --items '\[1, 2, 3\]' \(a JSON array\) or --range 0:1000/,
      ],
      [
        ["submit", "--task", "tasks.square", "--items", "[1]", "--range", "0:1"],
        /--items and --range are each a task's input: give one/,
      ],
      [
        ["submit", "--task", "tasks.square", "--items", "{}"],
        /'--items <json>' argument '\{\}' is invalid\. expected a JSON array/,
      ],
      [
        ["submit", "--task", "tasks.square", "--range", "9"],
        /'--range <from:to\[:step\]>' argument '9' is invalid\. expected from:to or from:to:step/,
      ],
      [["submit", "--task", "tasks.square", "--range", "0:9:0"], /argument '0:9:0' is invalid/],
      [
        ["submit", "--workload", "primes", "--reduce", "sum"],
        /--reduce cannot go with --workload: a workload job takes a --size/,
      ],
      [["submit", "--task", "tasks.square", "--items", "[1]", "--size", "3"], /--size cannot go with --task/],
      [
        ["submit", "--job", "-", "--retries", "1"],
        /--retries cannot go with --job: the file holds the whole job/,
      ],
      [["submit", "--job", "/no/such/job.json"], /--job: cannot read \/no\/such\/job\.json: ENOENT/],
      [["submit", "--workload", "primes", "--wait-timeout", "5"], /--wait-timeout goes with --wait/],
      [
        ["submit", "--task", "tasks.nope", "--items", "[1]"],
        /^weft: unknown task "tasks\.nope": this service runs .* \(HTTP 400, unknown_task\)\n$/,
      ],
      [["submit", "--workload", "nope"], /unknown workload "nope".* \(HTTP 400, unknown_workload\)/],
      [
        ["submit", "--workload", "primes", "--retries", "11"],
        /retries must be <= 10 \(HTTP 400, bad_request\)/,
      ],
      [
        ["result", "42"],
        /"42" is not a job id: one looks like e448f84e-4f29-42ce-bb17-f90037f3a7dd \(weft jobs lists them\)/,
      ],
      [
        ["result", "00000000-0000-4000-8000-000000000000"],
        /no job 00000000-0000-4000-8000-000000000000 \(HTTP 404, not_found\)/,
      ],
      [
        ["jobs", "--state", "done"],
        /argument 'done' is invalid\. Allowed choices are queued, running, completed/,
      ],
    ];
    const ran = await Promise.all(
      cases.map(([args]) => weft([...args, ...url], { ...(args.includes("-") && { input: "[1]" }) })),
    );
    cases.forEach(([args, message], i) => assertFailed(ran[i]!, message, `weft ${args.join(" ")}`));
    const notAnObject = await weft(["submit", "--job", "-", ...url], { input: "[1]" });
    assertFailed(
      notAnObject,
      /--job: standard input must hold one JSON object/,
      "a job file that is not an object",
    );
    const notJson = await weft(["submit", "--job", "-", ...url], { input: "{type:" });
    assertFailed(
      notJson,
      /--job: standard input is not a job definition in JSON/,
      "a job file that is not JSON",
    );
  });

  test("a token: none or a wrong one is refused saying what to give; WEFT_TOKEN or --token is served", async () => {
    await using server = await serve({ token: "s3cret" });
    const url = ["--url", server.url];
    assertFailed(
      await weft(["jobs", ...url]),
      new RegExp(
        `^weft: the service at ${server.url} requires a token \\(HTTP 401\\): set WEFT_TOKEN to it, or give --token\\n$`,
      ),
      "no token",
    );
    assertFailed(
      await weft(["jobs", ...url], { env: { WEFT_TOKEN: "wrong" } }),
      /refused the token \(HTTP 401\): give the one it was started with, in WEFT_TOKEN or with --token/,
      "a wrong token",
    );
    const fromEnv = await weft(["jobs", ...url], { env: { WEFT_TOKEN: "s3cret" } });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    const given = await weft(["jobs", "--token", "s3cret"], { env: { WEFT_URL: server.url } });
    assert.equal(given.code, 0, given.stderr);
    assert.equal(given.stdout, `no jobs at ${server.url}\n`);
  });

  test("no service at the address, or a bad address, says so and exits 1", async () => {
    const server = await serve();
    const url = server.url;
    await server.close();
    assertFailed(
      await weft(["jobs", "--url", url]),
      new RegExp(
        `^weft: cannot reach the weft service at ${url} \\(.*ECONNREFUSED.*\\): is weft serve running there\\? \\(give its address with --url or WEFT_URL\\)\\n$`,
      ),
      "nothing listening",
    );
    assertFailed(
      await weft(["jobs"], { env: { WEFT_URL: "localhost:8787" } }),
      /^weft: WEFT_URL: the service's url must start with http:\/\/ or https:\/\/, got "localhost:8787"\n$/,
      "a bad WEFT_URL",
    );
  });
});
