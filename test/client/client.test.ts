// The typed client (weft/client) against a live service on loopback, across the whole API: the
// catalog and the workers, jobs submitted, listed, read, waited for, cancelled and resubmitted, their
// results and reports, the event stream, and every kind of refusal as an error that says what it was.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  AbortError,
  createClient,
  JobNotCompletedError,
  ServiceError,
  ServiceUnreachableError,
  type JobView,
  type TaskJob,
} from "../../src/client/index.ts";
import { tokenEntry } from "../../src/server/http/tokens.ts";
import { checkLeaks } from "../support/leaks.ts";
import { crashTasks, fixtureTasks, primes200k, primesBelow200k, serve, unknownId } from "../server/http.ts";

checkLeaks();

/** A job that runs until it is cancelled: its one item waits for its chunk's signal. */
const waitsForAbort: TaskJob = { type: "task", task: "crash-tasks.waitsForAbort", input: { items: [1] } };

/** Asserts `promise` rejects with a ServiceError of this status and code, its message matching `message`. */
async function refused(
  promise: Promise<unknown>,
  status: number,
  code: string,
  message: RegExp,
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ServiceError, `a ServiceError, not ${String(error)}`);
    assert.equal(error.status, status, error.message);
    assert.equal(error.code, code, error.message);
    assert.match(error.message, message);
    assert.match(error.message, new RegExp(`\\(HTTP ${status}, ${code}\\)$`), "the status and code, said");
    return true;
  });
}

describe("the typed client", { timeout: 60_000 }, () => {
  test("the catalog, the workers, and a workload job submitted, waited for, read and listed", async (t) => {
    await using server = await serve();
    const client = createClient({ url: `${server.url}/` });
    assert.equal(client.url, server.url, "without the trailing slash");

    const catalog = await client.catalog();
    assert.ok(catalog.tasks.includes("tasks.isPrime"), catalog.tasks.join(", "));
    assert.equal(catalog.workloads.find((w) => w.name === "primes")?.unit, "numbers");
    const workers = await client.workers();
    assert.equal(workers.backend, "threads");
    assert.equal(workers.workers.length, 2);

    const queued = await client.submit(primes200k);
    assert.equal(queued.state, "queued");
    assert.deepEqual(queued.definition, primes200k);
    const done = await client.waitFor(queued.id, { signal: t.signal });
    assert.equal(done.state, "completed", done.error);
    assert.deepEqual(done.summary, { value: primesBelow200k });
    assert.equal(await client.result(queued.id), primesBelow200k, "a workload's value is its result");
    assert.equal((await client.job(queued.id)).progress.done, 199_998);

    const listed = await client.jobs({ state: "completed", limit: 10 });
    assert.deepEqual(
      listed.map((job) => [job.id, job.state, job.definition]),
      [[queued.id, "completed", undefined]],
      "lists hold no definitions",
    );
    assert.deepEqual(await client.jobs({ state: "failed" }), []);
    assert.deepEqual(await client.jobs({ before: queued.createdAt }), [], "nothing before the first job");
  });

  test("task jobs: a collected result whole and by the page, a count as its number", async (t) => {
    await using server = await serve();
    const client = server.client;
    const squares = await client.submit({
      type: "task",
      task: "tasks.square",
      input: { range: { from: 0, to: 12_345 } },
    });
    const count = await client.submit({
      type: "task",
      task: "tasks.isPrime",
      op: "filter",
      reduce: "count",
      input: { range: { from: 0, to: 200_000 } },
    });
    for (const job of [squares, count]) {
      const done = await client.waitFor(job.id, { signal: t.signal });
      assert.equal(done.state, "completed", done.error);
    }
    const all = await client.result(squares.id);
    assert.deepEqual(
      all,
      Array.from({ length: 12_345 }, (_, i) => i * i),
      "every entry, read in pages of 10,000",
    );
    assert.deepEqual(await client.resultPage(squares.id, { offset: 10, limit: 3 }), {
      total: 12_345,
      offset: 10,
      entries: [100, 121, 144],
    });
    assert.equal(await client.result(count.id), primesBelow200k);
  });

  test("cancel and resubmit; a result asked too early or of a failed job says why there is none", async (t) => {
    await using server = await serve({ tasks: [fixtureTasks, crashTasks] });
    const client = server.client;
    const job = await client.submit(waitsForAbort);
    await assert.rejects(client.result(job.id), (error: unknown) => {
      assert.ok(error instanceof JobNotCompletedError);
      assert.match(
        error.message,
        new RegExp(`^job ${job.id} is (queued|running): its result exists once it is completed$`),
      );
      assert.equal(error.job.id, job.id);
      return true;
    });
    await refused(client.resultPage(job.id), 409, "not_completed", /results exist once it is completed/);

    const cancelled = await client.cancel(job.id);
    assert.equal(cancelled.state, "cancelled");
    assert.equal((await client.waitFor(job.id, { signal: t.signal })).state, "cancelled");
    await refused(
      client.cancel(job.id),
      409,
      "job_finished",
      /is already cancelled; there is nothing to cancel/,
    );
    await assert.rejects(
      client.result(job.id),
      /^JobNotCompletedError: job \S+ was cancelled, so it has no result$/,
    );

    const again = await client.resubmit(job.id);
    assert.equal(again.resubmittedFrom, job.id);
    assert.deepEqual(again.definition, waitsForAbort);
    await client.cancel(again.id);

    const failing = await client.submit({ type: "task", task: "tasks.failOn", input: { items: [1, 13] } });
    assert.equal((await client.waitFor(failing.id, { signal: t.signal })).state, "failed");
    await assert.rejects(client.result(failing.id), (error: unknown) => {
      assert.ok(error instanceof JobNotCompletedError);
      assert.match(error.message, /^job \S+ failed: .*unlucky 13/);
      return true;
    });
  });

  test("a bench job's report is its HTML page; a job that is not a bench has none (409)", async (t) => {
    await using server = await serve();
    const client = server.client;
    const bench = await client.submit({
      type: "bench",
      workloads: ["pi"],
      workers: [1],
      quick: true,
      repeat: 1,
    });
    assert.equal((await client.waitFor(bench.id, { signal: t.signal })).state, "completed");
    assert.match(await client.report(bench.id), /^<!doctype html>.*<canvas/is);
    const plain = await client.submit(primes200k);
    await client.waitFor(plain.id, { signal: t.signal });
    await refused(client.report(plain.id), 409, "no_report", /is not a completed bench job/);
  });

  test("the event stream: a job's states in order; leaving the loop ends the connection", async (t) => {
    const server = await serve();
    try {
      const client = server.client;
      const seen: string[] = [];
      {
        using events = await client.events({ signal: t.signal });
        const job = await client.submit({ type: "task", task: "tasks.square", input: { items: [1, 2, 3] } });
        for await (const event of events) {
          if (event.event !== "job" || event.data.id !== job.id) continue;
          if (seen.at(-1) !== event.data.state) seen.push(event.data.state);
          if (event.data.state === "completed") break;
        }
      }
      assert.deepEqual(seen, ["queued", "running", "completed"]);
    } finally {
      // A connection left open would hold close() up, and the leak check would name its socket.
      await server.close();
    }
  });

  test("a wait given up by its signal throws AbortError; the job runs on", async (t) => {
    await using server = await serve({ tasks: [fixtureTasks, crashTasks] });
    const client = server.client;
    using events = await client.events({ signal: t.signal });
    const job = await client.submit(waitsForAbort);
    for await (const { event, data } of events) if (event === "job" && data.state === "running") break;
    const giveUp = new AbortController();
    const waiting = client.waitFor(job.id, { signal: giveUp.signal });
    giveUp.abort(new Error("the test stopped waiting"));
    await assert.rejects(waiting, (error: unknown) => {
      assert.ok(error instanceof AbortError);
      assert.equal(error.message, "cancelled: the test stopped waiting");
      return true;
    });
    assert.equal((await client.job(job.id)).state, "running");
    await client.cancel(job.id);
  });

  test("refusals: a bad job (400), an unknown task (400), an unknown job (404), a job past the quota (429)", async () => {
    await using server = await serve({ tasks: [fixtureTasks, crashTasks], maxPerClient: 1 });
    const client = server.client;
    await refused(
      client.submit({ type: "workload", workload: "primes", size: 0 }),
      400,
      "bad_request",
      /size must be >= 1/,
    );
    await refused(
      client.submit({ type: "task", task: "tasks.nope", input: { items: [1] } }),
      400,
      "unknown_task",
      /unknown task "tasks\.nope": this service runs .*tasks\.isPrime/,
    );
    await refused(client.job(unknownId), 404, "not_found", new RegExp(`no job ${unknownId}`));
    await refused(client.job("not-an-id"), 400, "bad_request", /params\/id must match pattern/);
    const running: JobView = await client.submit(waitsForAbort);
    await refused(client.submit(waitsForAbort), 429, "too_many_jobs", /already has 1 jobs/);
    await client.cancel(running.id);
  });

  test("tokens: none or a wrong one is 401; a token whose scope is too narrow is 403 naming it", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "weft-client-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, "tokens.json");
    writeFileSync(
      file,
      JSON.stringify({
        tokens: [tokenEntry("viewer", "v-token", "read"), tokenEntry("ci", "c-token", "submit")],
      }),
    );
    await using server = await serve({ tokensFile: file });
    const as = (token?: string) => createClient({ url: server.url, ...(token && { token }) });
    await refused(as().jobs(), 401, "unauthorized", /a valid token is required/);
    await refused(as("wrong").catalog(), 401, "unauthorized", /a valid token is required/);
    assert.deepEqual(await as("v-token").jobs(), []);
    await refused(
      as("v-token").submit(primes200k),
      403,
      "forbidden",
      /^the token viewer has the read scope: submitting a job needs submit/,
    );
    const job = await as("c-token").submit(primes200k);
    assert.equal((await as("c-token").waitFor(job.id, { signal: t.signal })).state, "completed");
  });

  test("no service at the address is ServiceUnreachableError naming it; a bad address is OptionError", async () => {
    const server = await serve();
    const url = server.url;
    await server.close();
    await assert.rejects(createClient({ url }).jobs(), (error: unknown) => {
      assert.ok(error instanceof ServiceUnreachableError);
      assert.equal(error.url, url);
      assert.match(
        error.message,
        new RegExp(
          `^cannot reach the weft service at ${url} \\(.*ECONNREFUSED.*\\): is weft serve running there\\?$`,
        ),
      );
      return true;
    });
    assert.throws(
      () => createClient({ url: "localhost:8787" }),
      /^OptionError: the service's url must start with http:\/\/ or https:\/\/, got "localhost:8787"$/,
    );
    assert.throws(
      () => createClient({ url: "not a url" }),
      /^OptionError: the service's url must be an address such as http:\/\/127\.0\.0\.1:8787, got "not a url"$/,
    );
  });
});
