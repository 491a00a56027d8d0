// The examples run as a user runs them (`node --import tsx examples/<file>`), so the README's tour,
// the guide's snippets (test/docs/code-blocks.test.ts checks they are these files' regions) and the
// examples themselves never rot. Answers are checked; speedups are printed, never asserted: this
// machine is shared and noisy.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startCluster } from "./support/cluster.ts";
import { runWeft } from "./cluster/helpers.ts";

const run = promisify(execFile);
const root = fileURLToPath(new URL("..", import.meta.url));

/** Runs `examples/<file>` from the repository's root and resolves with what it printed; rejects if it fails. */
async function runExample(file: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", `examples/${file}`], {
    cwd: root,
    env,
    timeout: 60_000,
  });
  return stdout;
}

test("the README tour runs", async () => {
  const stdout = await runExample("tour.ts");
  assert.match(stdout, /primes below 1e6: 78498 \(futures agree: true\)/);
  assert.match(stdout, /"the" appears 3 times/);
});

test("cpu-heavy-map: the threads backend gives the sequential backend's hashes, and says how fast", async () => {
  const stdout = await runExample("cpu-heavy-map.ts");
  assert.match(stdout, /sequential: +\d+\.\d\d s/);
  assert.match(stdout, /threads, \d+ workers: +\d+\.\d\d s in \d+ chunks/);
  assert.match(stdout, /speedup \d+\.\d\dx, parallel efficiency \d+%/);
  assert.match(stdout, /the hashes agree, in input order: true/);
});

test("file-pipeline: a 200,000-line file streamed through the workers, in bounded memory", async () => {
  const stdout = await runExample("file-pipeline.ts");
  assert.match(stdout, /wrote 200,000 log lines/);
  assert.match(stdout, /GET \/products\/:id +[\d,]+ +[\d.]+ +\d+/);
  const [, workers] = /199,400 requests in [\d.]+ s on (\d+) workers; 600 other lines skipped/.exec(stdout)!;
  const [, ahead, read] = /at most ([\d,]+) of the ([\d,]+) lines were read and not yet processed/.exec(
    stdout,
  )!;
  assert.equal(read, "200,000", "every line of the file was read");
  // The read-ahead buffer (4,096 lines), plus at most two chunks per worker (each at most the
  // buffer), plus partials waiting to be merged in order: far below the file's 200,000 lines.
  const mostAhead = Number(ahead!.replaceAll(",", ""));
  const bound = 4096 * (2 * Number(workers) + 3);
  assert.ok(mostAhead <= bound, `reading ran ${mostAhead} lines ahead of the workers (bound ${bound})`);
  assert.match(stdout, /a plain loop over the file agrees: true/);
});

test("large-data: logs read by range on the workers, a gzip file whole, errors written as part files", async () => {
  const stdout = await runExample("large-data.ts");
  assert.match(stdout, /wrote 3 days of logs, 120,000 requests, the last gzipped/);
  assert.match(stdout, /POST \/checkout +\d+ requests, \d+ errors/);
  assert.match(stdout, /a plain loop over the plain logs agrees: true/);
  const [, errors, parts] = /(\d+) errors in (\d+) part files/.exec(stdout)!;
  assert.ok(Number(parts) >= 1);
  assert.match(stdout, new RegExp(`read back from \\S+: ${errors} records, _SUCCESS written last`));
  assert.match(
    stdout,
    new RegExp(`status=503 read back alone: ${errors} records, as many as the errors: true`),
  );
  assert.match(stdout, /TaskError at access-0\.log:7008: unexpected comment/);
  // 80,000 s of requests a day, 2 s apart: 1,334 minutes on each of 3 days, 30 requests in a full minute.
  assert.match(stdout, /4002 minutes; the busiest: (\S+ \(30\), ){2}\S+ \(30\)/);
});

test("parquet: a dataset written by year from the workers, one year's columns read back exact", async () => {
  const stdout = await runExample("parquet.ts");
  assert.match(stdout, /wrote 60000 rows into 6 files/);
  assert.match(stdout, /2024: 375000 in total, last id 9007199254800991/);
  assert.match(stdout, /a plain loop agrees: true/);
});

test("spark-dask: weft writes orders by region, a Dask job runs weft's task on them, weft reads Dask's output", async () => {
  // Debian's Python, where npm test installs dask and distributed.
  const stdout = await runExample("spark-dask.ts", { ...process.env, WEFT_PYTHON: "/usr/bin/python3" });
  assert.match(stdout, /weft: 20000 orders in 16 part files, by region/);
  assert.match(stdout, /dask: 20000 orders read, totals written by weft's task/);
  assert.match(stdout, /north: 779508\.89/);
  assert.match(stdout, /a plain loop agrees: true/);
});

test("telemetry: a job's span under the program's, and a span for each of its chunks", async () => {
  const stdout = await runExample("telemetry.ts");
  assert.match(stdout, /78498 primes below 1,000,000/);
  assert.match(stdout, /spans: 1 for the program's report, 1 for the job, [1-9]\d* for its chunks/);
  assert.match(stdout, /the job is the report's child: true/);
});

test("futures-dag: a graph of futures gives the one-call answer; a failure travels along it", async () => {
  const stdout = await runExample("futures-dag.ts");
  for (const block of [0, 1, 2, 3]) assert.match(stdout, new RegExp(`block ${block} \\[\\d+, \\d+\\) done`));
  assert.match(stdout, /low half 41538 \+ high half 36960 = 78498 primes below 1,000,000/);
  assert.match(stdout, /mean per block: 19624.5/);
  assert.match(stdout, /the graph agrees with one call: true/);
  assert.match(stdout, /an argument of this call is a future that failed\n {2}because TaskError: .*by zero/);
});

test("cancel-job: AbortController, AbortSignal.timeout and a chunk timeout; the pool stays usable", async () => {
  const stdout = await runExample("cancel-job.ts");
  assert.match(
    stdout,
    /AbortController: AbortError \(cause: Error\) after \d+ ms\n {2}cancelled: the user pressed Stop/,
  );
  assert.match(stdout, /AbortSignal.timeout: AbortError \(cause: TimeoutError\) after \d+ ms/);
  assert.match(
    stdout,
    /per-chunk timeout: TimeoutError after \d+ ms\n {2}the chunk of items 3\.\.3 ran past/,
  );
  assert.match(stdout, /the pool still works: 9592 primes below 100,000/);
});

test("per-worker: a sieve built and a log opened once per worker, the log closed when the pool closes", async () => {
  const stdout = await runExample("per-worker.ts");
  assert.match(stdout, /primes below 16,777,216: 1,077,871/);
  assert.match(stdout, /the sequential backend agrees: true/);
  const [, logs, workers] = /(\d+) logs from (\d+) workers, 256 lines: one per block/.exec(stdout)!;
  assert.ok(Number(logs) >= 1 && Number(logs) <= Number(workers), stdout);
});

test("io-jobs: pages fetched 25 at once per worker, in order; an urgent job overtakes a long crawl", async () => {
  const stdout = await runExample("io-jobs.ts");
  assert.match(stdout, /400 pages, one at a time on each of \d+ workers: [\d.]+ s/);
  assert.match(stdout, /400 pages, 25 at once on each worker: [\d.]+ s/);
  // 400 starts at 500 a second take 0.8 s at the least, however fast the machine.
  const [, limited] = /400 pages, at most 500 a second on all workers together: ([\d.]+) s/.exec(stdout)!;
  assert.ok(Number(limited) >= 0.75, `the rate-limited job took ${limited} s`);
  assert.match(stdout, /the same pages in the same order as one at a time: true/);
  assert.match(stdout, /finished first: the urgent job/);
});

test("tiles: tiles rendered on workers come back moved with transfer(), the sequential backend's pixels", async () => {
  const stdout = await runExample("tiles.ts");
  assert.match(
    stdout,
    /256 tiles of 128x128 \(4,194,304 bytes\) on \d+ workers: \d+ ms warm, sequential \d+ ms/,
  );
  assert.match(stdout, /the sequential backend's pixels agree: true/);
});

test("actors: two ledgers on the workers keep their balances, which agree with a plain loop", async () => {
  const stdout = await runExample("actors.ts");
  assert.match(stdout, /20,000 payments applied by 2 ledgers on \d+ workers/);
  assert.match(stdout, /every balance agrees with a plain loop: true/);
  assert.match(stdout, /acct-7 holds -?\d+/);
});

test("retries: flaky pages are retried, a broken one is set aside under errors: collect", async () => {
  const stdout = await runExample("retries.ts");
  assert.match(
    stdout,
    /fetched 30 pages \(930 words\) with \d+ requests: [1-9]\d* chunks were retried after a 503/,
  );
  assert.match(stdout, /item 5 \('http:\/\/127\.0\.0\.1:\d+\/pages\/broken'\) failed: SyntaxError/);
  assert.match(stdout, /chunks retried: 0 \(retryIf/);
  assert.match(stdout, /the other 10 pages arrived: Page 0, Page 1, .*, Page 9\n/);
});

test(
  "cluster-files: a word count read, shuffled and written through the workers' data root",
  { timeout: 90_000 },
  async () => {
    const words = fileURLToPath(new URL("../examples/words.ts", import.meta.url));
    const dataRoot = mkdtempSync(join(tmpdir(), "weft-example-data-"));
    try {
      await using cluster = await startCluster(2, { modules: [words], dataRoot });
      const stdout = await runExample("cluster-files.ts", {
        ...process.env,
        WEFT_REDIS_URL: cluster.redis.authUrl,
        WEFT_DATA_ROOT: dataRoot,
      });
      // the, quick, lazy, fox, and the numbers 0 to 99 (splitWords keeps letters only: no numbers).
      assert.match(stdout, /4 distinct words in \d+ part files/);
      assert.match(stdout, /the sequential backend agrees: true/);
    } finally {
      rmSync(dataRoot, { recursive: true, force: true });
    }
  },
);

test(
  "resumable-job runs on a cluster of its own, and its ledger is gone once the result is delivered",
  { timeout: 90_000 },
  async () => {
    const tasks = fileURLToPath(new URL("../examples/tasks.ts", import.meta.url));
    await using cluster = await startCluster(1, { modules: [tasks] });
    const stdout = await runExample("resumable-job.ts", {
      ...process.env,
      WEFT_REDIS_URL: cluster.redis.authUrl,
    });
    assert.match(stdout, /148933 primes below 2,000,000, kept in a ledger/);
    const resumed = await runWeft([
      "resume",
      "primes-2m",
      "--redis",
      cluster.redis.authUrl,
      "--tasks",
      tasks,
    ]);
    assert.notEqual(resumed.code, 0);
    assert.match(resumed.stderr, /no job named "primes-2m" is kept/);
  },
);

test("service-client: a job sent to a service of its own through weft/client, its result, a refusal", async () => {
  const { WEFT_URL: _, WEFT_TOKEN: __, ...env } = process.env;
  const stdout = await runExample("service-client.ts", env);
  assert.match(stdout, /^filter tasks\.isPrime over \[2, 1000000\): completed, 78498 primes$/m);
  assert.match(stdout, /^refused: primes takes sizes up to .* \(HTTP 400, too_large\)$/m);
  assert.match(stdout, /^[0-9a-f-]{36} {2}completed {2}filter tasks\.isPrime over \[2, 1000000\)$/m);
});

test("cluster-job without WEFT_REDIS_URL says how to start a cluster, and exits 0", async () => {
  const { WEFT_REDIS_URL: _, ...env } = process.env;
  const stdout = await runExample("cluster-job.ts", env);
  assert.match(stdout, /WEFT_REDIS_URL is not set/);
  assert.match(stdout, /npx weft worker --redis redis:\/\/127\.0\.0\.1:6379 --tasks examples\/tasks\.ts/);
});

test(
  "cluster-job runs on a cluster of its own: a redis-server and a weft worker",
  { timeout: 90_000 },
  async () => {
    const tasks = fileURLToPath(new URL("../examples/tasks.ts", import.meta.url));
    await using cluster = await startCluster(1, { modules: [tasks] });
    const stdout = await runExample("cluster-job.ts", {
      ...process.env,
      WEFT_REDIS_URL: cluster.redis.authUrl,
    });
    assert.match(stdout, /148933 primes below 2,000,000 on the redis backend/);
    assert.match(stdout, /the sequential backend agrees: true/);
  },
);
