// Jobs that are valid but would hold the service for ever or take the machine: a range of 10^15
// items, a result past its size limit, a job that never ends, a pool of 64 threads of its own, a
// benchmark of thousands of runs, a pool of its own asked of a service that runs on a cluster.
// Each is refused when submitted, naming the bound, or stopped when it passes it.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkLeaks } from "../support/leaks.ts";
import { startRedis } from "../support/redis-server.ts";
import { assertError, crashTasks, fixtureTasks, primes200k, runJobs, serve, untilCancelled } from "./http.ts";

checkLeaks();

describe("a job's size", { timeout: 60_000 }, () => {
  test("a range is bounded: 10^15 items is 400, and a collect past 1,000,000 outputs is 400 (count or sum instead)", async (t) => {
    await using server = await serve();
    const range = (to: number, extra: Record<string, unknown> = {}) => ({
      type: "task",
      task: "tasks.square",
      input: { range: { from: 0, to, ...extra } },
    });
    for (const body of [
      range(1e15),
      { ...range(1e15), reduce: "count" },
      { ...range(1, { step: 1e-12 }), reduce: "sum" },
      { ...range(Number.MAX_VALUE), reduce: "count" },
    ]) {
      assertError(
        await server.request("POST", "/api/jobs", { body }),
        400,
        "too_large",
        /a range may hold up to 100,000,000 items here; .* split it into several jobs/,
      );
    }
    assertError(
      await server.request("POST", "/api/jobs", { body: range(2_000_000) }),
      400,
      "too_large",
      /a job that collects stores every output, up to 1,000,000; this range holds 2,000,000 items: reduce them with "count" or "sum"/,
    );
    // Counting them is fine.
    const events = await server.events();
    const [counted] = await runJobs(server, events, t, [{ ...range(2_000_000), reduce: "count" }]);
    assert.equal(counted!.state, "completed", counted!.error);
    assert.deepEqual(counted!.summary, { value: 2_000_000 });
  });

  test("a result past maxResultBytes fails its job naming the limit, and nothing is stored", async (t) => {
    await using server = await serve({ maxResultBytes: 10_000 });
    const events = await server.events();
    const items = (n: number) => Array.from({ length: n }, (_, i) => `${i}`.padStart(200, "-"));
    const [tooBig, fits] = await runJobs(server, events, t, [
      { type: "task", task: "tasks.identity", input: { items: items(100) } },
      { type: "task", task: "tasks.identity", input: { items: items(10) } },
    ]);
    assert.equal(tooBig!.state, "failed");
    assert.equal(
      tooBig!.error,
      `the result passed the service's limit of 10,000 bytes: reduce it with "count" or "sum", or split the input into several jobs`,
    );
    assertError(
      await server.request("GET", `/api/jobs/${tooBig!.id}/result`),
      409,
      "not_completed",
      /failed/,
    );
    assert.equal(fits!.state, "completed", fits!.error);
    assert.equal(fits!.resultEntries, 10);
  });
});

describe("a job's time", { timeout: 60_000 }, () => {
  test("every job has a deadline: one that runs past jobTimeoutMs fails saying so, and the workers go on to the next", async (t) => {
    // Long enough for the next job, which takes a few ms.
    await using server = await serve({
      tasks: [fixtureTasks, crashTasks],
      jobTimeoutMs: 2000,
      maxRunning: 1,
    });
    const events = await server.events();
    const square = { type: "task", task: "tasks.square", input: { items: [1, 2, 3] } };
    const [endless, next] = await runJobs(server, events, t, [untilCancelled, square]);
    assert.equal(endless!.state, "failed");
    assert.equal(
      endless!.error,
      "the job ran past the service's limit of 2 s per job (weft serve --job-timeout)",
    );
    assert.equal(next!.state, "completed", next!.error);
  });
});

describe("a job's workers", { timeout: 60_000 }, () => {
  test("a pool of a job's own may have up to twice the machine's cores: 64 threads is 400", async (t) => {
    await using server = await serve();
    for (const type of ["workload", "task"] as const) {
      const body =
        type === "workload"
          ? { ...primes200k, options: { workers: 64 } }
          : { type, task: "tasks.square", input: { items: [1] }, options: { workers: 64 } };
      assertError(
        await server.request("POST", "/api/jobs", { body }),
        400,
        "too_large",
        /a job's own pool may have up to \d+ workers here \(twice this machine's cores\), not 64/,
      );
    }
    const events = await server.events();
    const [own] = await runJobs(server, events, t, [{ ...primes200k, options: { workers: 1 } }]);
    assert.equal(own!.state, "completed", own!.error);
  });

  test("a bench job's work is bounded: 6 workloads × 4 worker counts × 20 repeats is 400; repeats and 64 workers are refused", async () => {
    await using server = await serve();
    const all = ["sum-of-squares", "primes", "pi", "matmul", "wordcount", "mandelbrot"];
    assertError(
      await server.request("POST", "/api/jobs", {
        body: { type: "bench", workloads: all, workers: [1, 2, 3, 4], repeat: 20 },
      }),
      400,
      "too_large",
      /this benchmark is about 600 runs of a workload at its default size; the service takes up to 100/,
    );
    // At 4× their size, a matrix product costs 64 runs and an image 16: a few repeats are too many.
    assertError(
      await server.request("POST", "/api/jobs", {
        body: { type: "bench", workloads: ["matmul"], workers: [1], size: 4800, repeat: 1 },
      }),
      400,
      "too_large",
      /about 128 runs/,
    );
    assertError(
      await server.request("POST", "/api/jobs", {
        body: { type: "bench", workloads: Array.from({ length: 16 }, () => "pi"), workers: [1], quick: true },
      }),
      400,
      "bad_request",
      /workloads must NOT have duplicate items/,
    );
    assertError(
      await server.request("POST", "/api/jobs", {
        body: { type: "bench", workloads: ["pi"], workers: [1, 64], quick: true },
      }),
      400,
      "too_large",
      /a bench run may have up to \d+ workers here .*, not 64/,
    );
    // A small one is accepted (api.test.ts runs one to its report).
    const small = await server.request("POST", "/api/jobs", {
      body: { type: "bench", workloads: ["pi"], workers: [1, 2], quick: true, repeat: 1 },
    });
    assert.equal(small.status, 202, small.text);
  });

  test("on a cluster, a job cannot ask for a pool of its own, which would run on the service's machine", async () => {
    await using redis = await startRedis();
    await using server = await serve({ redis: redis.url, workers: 2 });
    assertError(
      await server.request("POST", "/api/jobs", { body: { ...primes200k, options: { workers: 2 } } }),
      400,
      "unsupported",
      /a pool of a job's own \(options.workers\) runs on this machine's threads; this service runs jobs on redis: leave options.workers out/,
    );
  });
});
