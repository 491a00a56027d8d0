// The service over real HTTP on loopback: a job's life through the API. Submitted (workload, task
// and bench jobs), listed, read (state, result pages, report), cancelled, resubmitted, and found
// interrupted after a restart. Jobs are awaited on the event stream, never by polling with sleeps.
// Observing the service (events, workers, metrics, OpenAPI, dashboard): api-observe.test.ts;
// what it refuses (bad input, token, limits): api-refusals.test.ts.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import type { JobView } from "../../src/server/api/types.ts";
import { workloads } from "../../src/workloads/all.ts";
import { pollUntil } from "../cluster/helpers.ts";
import { checkLeaks } from "../support/leaks.ts";
import {
  assertError,
  crashTasks,
  fixtureTasks,
  primes200k,
  primesBelow200k,
  runJobs,
  serve,
  settled,
  statesOf,
  untilCancelled,
} from "./http.ts";

checkLeaks();

const dir = mkdtempSync(join(tmpdir(), "weft-api-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("jobs over HTTP", { timeout: 60_000 }, () => {
  test("GET /api/catalog lists the task modules' tasks by name and the built-in workloads", async () => {
    await using server = await serve();
    const { status, body } = await server.request<{
      tasks: string[];
      workloads: { name: string; unit: string; defaultSize: number; quickSize: number }[];
    }>("GET", "/api/catalog");
    assert.equal(status, 200);
    for (const name of ["tasks.square", "tasks.add", "tasks.failOn", "tasks.isPrime"]) {
      assert.ok(body.tasks.includes(name), `${name} in ${body.tasks.join(", ")}`);
    }
    assert.deepEqual(body.tasks, [...body.tasks].sort(), "sorted");
    // Every built-in workload, in their order.
    assert.deepEqual(
      body.workloads.map((w) => w.name),
      [...workloads.keys()],
    );
    assert.deepEqual(
      body.workloads.slice(0, 7).map((w) => w.name),
      ["sum-of-squares", "primes", "pi", "matmul", "wordcount", "mandelbrot", "synthetic"],
    );
    const primes = body.workloads.find((w) => w.name === "primes")!;
    assert.equal(primes.unit, "numbers");
    assert.ok(primes.quickSize < primes.defaultSize);
  });

  test("a workload job is accepted as queued (202) and completes with its answer", async (t) => {
    await using server = await serve();
    const events = await server.events();
    const queued = await server.submit(primes200k);
    assert.match(queued.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(
      { ...queued, id: undefined, createdAt: undefined },
      {
        id: undefined,
        createdAt: undefined,
        type: "workload",
        label: "primes below 200,000",
        state: "queued",
        progress: { done: 0, rate: 0 },
        definition: primes200k,
      },
    );
    const done = await settled(events, queued.id, t);
    assert.equal(done.state, "completed", done.error);
    const job = await server.job(queued.id);
    assert.equal(job.state, "completed");
    assert.deepEqual(job.summary, { value: primesBelow200k });
    assert.equal(job.progress.done, 199_998, "every number from 2 below 200,000 was tested");
    assert.equal(job.progress.total, 199_998);
    assert.ok(job.createdAt <= job.startedAt! && job.startedAt! <= job.finishedAt!);
    assert.equal(job.error, undefined);
  });

  test("task jobs: map collects every output, filter keeps the items, count and sum reduce to one number", async (t) => {
    await using server = await serve();
    const events = await server.events();
    const [squares, stepped, primes, counted, summed] = await runJobs(server, events, t, [
      { type: "task", task: "tasks.square", input: { items: [1, 2, 3, 4, 5] } },
      { type: "task", task: "tasks.square", input: { range: { from: 0, to: 10, step: 2 } } },
      { type: "task", task: "tasks.isPrime", op: "filter", input: { range: { from: 0, to: 100 } } },
      {
        type: "task",
        task: "tasks.isPrime",
        op: "filter",
        reduce: "count",
        input: { range: { from: 0, to: 200_000 } },
      },
      { type: "task", task: "tasks.square", reduce: "sum", input: { range: { from: 0, to: 100 } } },
    ]);
    const entries = async (job: JobView) => {
      assert.equal(job.state, "completed", job.error);
      const page = await server.request<{ total: number; entries: unknown[] }>(
        "GET",
        `/api/jobs/${job.id}/result?limit=1000`,
      );
      assert.equal(page.status, 200, page.text);
      assert.equal(page.body.total, job.resultEntries);
      return page.body.entries;
    };
    assert.equal(squares!.label, "map tasks.square over 5 items");
    assert.deepEqual(squares!.summary, { entries: 5 });
    assert.deepEqual(await entries(squares!), [1, 4, 9, 16, 25]);
    assert.deepEqual(await entries(stepped!), [0, 4, 16, 36, 64]);
    assert.equal(primes!.label, "filter tasks.isPrime over [0, 100)");
    assert.deepEqual(
      await entries(primes!),
      [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97],
    );
    assert.equal(counted!.state, "completed", counted!.error);
    assert.deepEqual(counted!.summary, { value: primesBelow200k });
    assert.equal(counted!.resultEntries, undefined, "a count stores no entries");
    assert.deepEqual(summed!.summary, { value: 328_350 }); // Σ i² for i < 100
  });

  test("results come a page at a time (offset, limit, total), across the rows they are stored in", async (t) => {
    await using server = await serve();
    const events = await server.events();
    const [job] = await runJobs(server, events, t, [
      { type: "task", task: "tasks.square", input: { range: { from: 0, to: 2500 } } },
    ]);
    assert.equal(job!.state, "completed", job!.error);
    assert.equal(job!.resultEntries, 2500);
    const page = (query: string) =>
      server.request<{ total: number; offset: number; entries: number[] }>(
        "GET",
        `/api/jobs/${job!.id}/result${query}`,
      );
    const squaresFrom = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => (from + i) ** 2);

    const first = await page("");
    assert.equal(first.status, 200);
    assert.deepEqual(
      first.body,
      { total: 2500, offset: 0, entries: squaresFrom(0, 100) },
      "default limit 100",
    );
    const acrossRows = await page("?offset=990&limit=20");
    assert.deepEqual(acrossRows.body, { total: 2500, offset: 990, entries: squaresFrom(990, 20) });
    assert.deepEqual((await page("?offset=2490&limit=100")).body.entries, squaresFrom(2490, 10));
    assert.deepEqual((await page("?offset=2500")).body, { total: 2500, offset: 2500, entries: [] });
    assert.deepEqual((await page("?offset=100000")).body.entries, []);
    const all = await page("?limit=10000");
    assert.deepEqual(all.body.entries, squaresFrom(0, 2500));
    assertError(await page("?limit=10001"), 400, "bad_request", /limit must be <= 10000/);
    assertError(await page("?offset=-1"), 400, "bad_request", /offset must be >= 0/);
    assertError(await page("?offset=one"), 400, "bad_request", /offset must be integer/);
  });

  test("a bench job completes with its table; its report is an HTML page with charts", async (t) => {
    await using server = await serve();
    const events = await server.events();
    const bench = { type: "bench", workloads: ["pi"], workers: [1, 2], quick: true, repeat: 1 } as const;
    const [job] = await runJobs(server, events, t, [bench]);
    assert.equal(job!.state, "completed", job!.error);
    assert.equal(job!.label, "bench pi on 1, 2 workers");
    const { table } = job!.summary as { table: string };
    assert.match(table, /2 workers/);
    const report = await server.request<string>("GET", `/api/jobs/${job!.id}/report`);
    assert.equal(report.status, 200);
    assert.match(report.headers.get("content-type")!, /^text\/html/);
    assert.match(report.body, /^<!doctype html>/i);
    assert.match(report.body, /<canvas/);

    // A job that is not a completed bench has no report.
    const [plain] = await runJobs(server, events, t, [primes200k]);
    assertError(
      await server.request("GET", `/api/jobs/${plain!.id}/report`),
      409,
      "no_report",
      /is not a completed bench job/,
    );
  });

  test("GET /api/jobs lists newest first; limit, state and the before cursor page through each job once", async (t) => {
    await using server = await serve();
    const events = await server.events();
    const small = (n: number) => ({ type: "task", task: "tasks.square", input: { items: [n] } });
    const done = await runJobs(server, events, t, [1, 2, 3, 4, 5].map(small));
    const failed = await runJobs(server, events, t, [
      { type: "task", task: "tasks.failOn", input: { items: [13] } },
    ]);
    const submitted = [...done, ...failed].map((job) => job.id);

    const list = async (query: string) => {
      const reply = await server.request<{ jobs: JobView[] }>("GET", `/api/jobs${query}`);
      assert.equal(reply.status, 200, reply.text);
      return reply.body.jobs;
    };
    const all = await list("");
    assert.deepEqual(
      all.map((job) => job.id),
      [...submitted].reverse(),
      "newest first",
    );
    assert.ok(all.every((job, i) => i === 0 || all[i - 1]!.createdAt > job.createdAt));

    // Pages of two, each starting before the last job of the one before it.
    const paged: string[] = [];
    let before = "";
    for (let pages = 0; pages < 10; pages++) {
      const page = await list(`?limit=2${before && `&before=${encodeURIComponent(before)}`}`);
      if (page.length === 0) break;
      assert.ok(page.length <= 2);
      paged.push(...page.map((job) => job.id));
      before = page.at(-1)!.createdAt;
    }
    assert.deepEqual(paged, [...submitted].reverse(), "every job once, in order");

    assert.deepEqual(
      (await list("?state=failed")).map((job) => job.id),
      [failed[0]!.id],
    );
    assert.equal((await list("?state=completed&limit=3")).length, 3);
    assert.deepEqual(await list("?state=running"), []);
    assertError(
      await server.request("GET", "/api/jobs?state=bogus"),
      400,
      "bad_request",
      /state must be equal to one of the allowed values/,
    );
    assertError(await server.request("GET", "/api/jobs?limit=0"), 400, "bad_request", /limit must be >= 1/);
    assertError(
      await server.request("GET", "/api/jobs?limit=501"),
      400,
      "bad_request",
      /limit must be <= 500/,
    );
    assertError(
      await server.request("GET", "/api/jobs?before=yesterday"),
      400,
      "bad_request",
      /before must match format "date-time"/,
    );
    assertError(
      await server.request("GET", "/api/jobs?sort=asc"),
      400,
      "bad_request",
      /must NOT have additional properties/,
    );
  });

  test("cancel: a running job becomes cancelled; its result is 409 before; a finished job's cancel is 409", async (t) => {
    await using server = await serve({ tasks: [fixtureTasks, crashTasks] });
    const events = await server.events();
    const job = await server.submit(untilCancelled);
    await events.jobIn(job.id, "running", t.signal);

    assertError(
      await server.request("GET", `/api/jobs/${job.id}/result`),
      409,
      "not_completed",
      /is running; results exist once it is completed/,
    );
    const cancel = await server.request<{ job: JobView }>("POST", `/api/jobs/${job.id}/cancel`);
    assert.equal(cancel.status, 200, cancel.text);
    assert.equal(cancel.body.job.state, "cancelled");
    assert.ok(cancel.body.job.finishedAt);
    await events.jobIn(job.id, "cancelled", t.signal);
    assert.equal((await server.job(job.id)).state, "cancelled");
    assertError(
      await server.request("POST", `/api/jobs/${job.id}/cancel`),
      409,
      "job_finished",
      /is already cancelled; there is nothing to cancel/,
    );
    assertError(
      await server.request("GET", `/api/jobs/${job.id}/result`),
      409,
      "not_completed",
      /is cancelled/,
    );

    // The pool goes on to the next job, and a completed job cannot be cancelled.
    const [next] = await runJobs(server, events, t, [primes200k]);
    assert.equal(next!.state, "completed", next!.error);
    assertError(
      await server.request("POST", `/api/jobs/${next!.id}/cancel`),
      409,
      "job_finished",
      new RegExp(`job ${next!.id} is already completed`),
    );
    assert.deepEqual(statesOf(events.events, job.id), ["queued", "running", "cancelled"]);
  });

  test("resubmit runs a job's definition again as a new job that names the old one", async (t) => {
    await using server = await serve();
    const events = await server.events();
    const [first] = await runJobs(server, events, t, [primes200k]);
    const reply = await server.request<{ job: JobView }>("POST", `/api/jobs/${first!.id}/resubmit`);
    assert.equal(reply.status, 202, reply.text);
    const again = reply.body.job;
    assert.notEqual(again.id, first!.id);
    assert.equal(again.resubmittedFrom, first!.id);
    assert.equal(again.state, "queued");
    assert.deepEqual(again.definition, (await server.job(first!.id)).definition);
    const done = await settled(events, again.id, t);
    assert.equal(done.state, "completed");
    assert.deepEqual(done.summary, { value: primesBelow200k });
    assert.equal((await server.job(again.id)).resubmittedFrom, first!.id);
    assert.equal((await server.job(first!.id)).resubmittedFrom, undefined, "the old job is left as it was");
  });

  // Job work runs on workers (a bench in a process of its own); what would run on the server's own
  // thread (synthetic's serial part, a workload's reference data) is bounded when the job is submitted.
  test("jobs that would hold the server's thread or memory are refused with the bound", async (t) => {
    await using server = await serve();
    const events = await server.events();
    const refused = await server.request("POST", "/api/jobs", {
      body: {
        type: "workload",
        workload: "synthetic",
        size: 1,
        knobs: { itemMicros: 500_000, serialFraction: 0.5 },
      },
    });
    assertError(refused, 400, "too_large", /serial part .* about 500 ms/);
    // A short serial part (about 20 ms) runs, with its 500 ms of item work on the workers.
    const [job] = await runJobs(server, events, t, [
      {
        type: "workload",
        workload: "synthetic",
        size: 25,
        knobs: { itemMicros: 20_000, serialFraction: 0.04 },
      },
    ]);
    assert.equal(job!.state, "completed");
    const tooBig = await server.request("POST", "/api/jobs", {
      body: { type: "workload", workload: "matmul", size: 100_000 },
    });
    assertError(tooBig, 400, "too_large", /matmul takes sizes up to 4,800 here/);
    const badSize = await server.request("POST", "/api/jobs", {
      body: { type: "workload", workload: "mandelbrot", size: 1 },
    });
    assertError(badSize, 400, "bad_size", /mandelbrot: the size must be an integer of at least 2/);
  });
});

describe("a restart with jobs in the store", { timeout: 60_000 }, () => {
  /** The job once it has finished, polled: a job taken over at start may end before a stream opens. */
  const finishedJob = (server: Awaited<ReturnType<typeof serve>>, id: string) =>
    pollUntil(
      async () => {
        const job = await server.job(id);
        return ["queued", "running"].includes(job.state) ? undefined : job;
      },
      30_000,
      `job ${id} finishing`,
    );

  test("a workload running when the server stops runs again on the next start, and completes", async (t) => {
    const db = join(dir, "restart-resumed.db");
    // Long enough to still run when the server closes.
    const primes10m = { type: "workload", workload: "primes", size: 10_000_000 } as const;
    let id: string;
    {
      await using first = await serve({ db });
      assert.equal(first.interrupted, 0);
      const events = await first.events();
      const job = await first.submit(primes10m);
      await events.jobIn(job.id, "running", t.signal);
      id = job.id;
      // Closing stops the running job without recording an end: the next server takes it over.
    }
    await using second = await serve({ db });
    assert.deepEqual([second.running.resumed, second.running.requeued, second.interrupted], [1, 0, 0]);
    const done = await finishedJob(second, id);
    assert.equal(done.state, "completed", done.error);
    assert.deepEqual(done.summary, { value: 664_579 }); // π(10,000,000)
    assert.match(
      (await second.request<string>("GET", "/metrics")).body,
      /^weft_jobs\{state="completed"\} 1$/m,
    );
  });

  test("a collecting job running when the server stops is interrupted on the next start, saying why, and resubmitting it works", async (t) => {
    const db = join(dir, "restart.db");
    // 10 ms each on 2 workers: still running when the server closes.
    const collecting = {
      type: "task",
      task: "tasks.busyFor",
      input: { items: Array(200).fill(10) },
    } as const;
    let id: string;
    {
      await using first = await serve({ db });
      const events = await first.events();
      const job = await first.submit(collecting);
      await events.jobIn(job.id, "running", t.signal);
      id = job.id;
    }
    await using second = await serve({ db });
    assert.equal(second.interrupted, 1);
    const interrupted = await second.job(id);
    assert.equal(interrupted.state, "interrupted");
    assert.equal(
      interrupted.error,
      `the server stopped while this job was running, and a job that collects its outputs streams them as they come, so it cannot resume from its settled chunks: resubmit it with POST /api/jobs/${id}/resubmit`,
    );
    assert.ok(interrupted.finishedAt);
    assert.match(
      (await second.request<string>("GET", "/metrics")).body,
      /^weft_jobs\{state="interrupted"\} 1$/m,
    );
    const { body } = await second.request<{ jobs: JobView[] }>("GET", "/api/jobs?state=interrupted");
    assert.deepEqual(
      body.jobs.map((job) => job.id),
      [id],
    );

    const events = await second.events();
    const reply = await second.request<{ job: JobView }>("POST", `/api/jobs/${id}/resubmit`);
    assert.equal(reply.status, 202, reply.text);
    assert.equal(reply.body.job.resubmittedFrom, id);
    const done = await settled(events, reply.body.job.id, t);
    assert.equal(done.state, "completed", done.error);
    assert.deepEqual(done.summary, { entries: 200 });
    assert.equal((await second.job(id)).state, "interrupted", "the old job stays interrupted");
  });
});
