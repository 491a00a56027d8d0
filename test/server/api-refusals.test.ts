// What the service refuses over HTTP, and how it says so: bad input (400, 404, 409, 413), errors
// without stack traces (a 500 included), the token (401), and the per-client limit (429).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { JobView, WorkersView } from "../../src/server/api/types.ts";
import { startServer } from "../../src/server/server.ts";
import { checkLeaks } from "../support/leaks.ts";
import {
  assertError,
  crashTasks,
  fixtureTasks,
  primes200k,
  runJobs,
  serve,
  settled,
  statesOf,
  unknownId,
  untilCancelled,
} from "./http.ts";

checkLeaks();

describe("bad requests are told what was wrong", { timeout: 60_000 }, () => {
  test("a body that is not JSON is 400 saying so", async () => {
    await using server = await serve();
    assertError(
      await server.request("POST", "/api/jobs", { body: '{"type": "workload",' }),
      400,
      "bad_request",
      /Body is not valid JSON/,
    );
    assertError(
      await server.request("POST", "/api/jobs", {
        body: "type=workload",
        headers: { "content-type": "text/plain" },
      }),
      400,
      "bad_request",
      /body must be object/,
    );
    assertError(
      await server.request("POST", "/api/jobs", {
        body: "<job/>",
        headers: { "content-type": "application/xml" },
      }),
      415,
      "bad_request",
      /Unsupported Media Type/i,
    );
  });

  test("a body over the limit is 413, and nothing is stored", async () => {
    await using server = await serve({ bodyLimit: 1024 });
    const items = Array.from({ length: 1000 }, (_, i) => i);
    assertError(
      await server.request("POST", "/api/jobs", {
        body: { type: "task", task: "tasks.square", input: { items } },
      }),
      413,
      "payload_too_large",
      /too large/i,
    );
    // Under the limit is fine.
    await server.submit({ type: "task", task: "tasks.square", input: { items: [1, 2, 3] } });
    const { body } = await server.request<{ jobs: JobView[] }>("GET", "/api/jobs");
    assert.equal(body.jobs.length, 1);
  });

  test("missing fields, wrong types, unknown fields and an unknown type are 400 naming the problem", async () => {
    await using server = await serve();
    const cases: [unknown, RegExp][] = [
      [{}, /body must have required property 'type'/],
      [{ type: "sorcery" }, /tag "type" must be in oneOf/],
      [{ type: 7 }, /tag "type" must be string/],
      [{ type: "task", task: "tasks.square" }, /body must have required property 'input'/],
      [{ type: "workload" }, /body must have required property 'workload'/],
      [{ type: "bench", workloads: ["pi"] }, /body must have required property 'workers'/],
      [{ type: "workload", workload: "primes", size: "large" }, /body\/size must be integer/],
      [{ type: "workload", workload: "primes", size: 0 }, /body\/size must be >= 1/],
      [{ type: "workload", workload: "primes", colour: "red" }, /must NOT have additional properties/],
      [
        { type: "task", task: "tasks.square", input: { items: { a: 1 } } },
        /items must be array|must match exactly one schema in oneOf/,
      ],
      [
        { type: "task", task: "tasks.square", input: { range: { from: 0 } } },
        /must have required property 'to'|must match exactly one schema in oneOf/,
      ],
      [
        { type: "task", task: "tasks.square", input: { items: [1] }, reduce: "avg" },
        /reduce must be equal to one of the allowed values/,
      ],
      [
        { type: "task", task: "tasks.square", input: { items: [1] }, options: { retries: 11 } },
        /retries must be <= 10/,
      ],
      [{ type: "bench", workloads: ["pi"], workers: ["two"] }, /workers\/0 must be integer/],
      [{ type: "bench", workloads: [], workers: [1] }, /workloads must NOT have fewer than 1 items/],
      ["[1, 2]", /body must be object/],
    ];
    for (const [body, message] of cases) {
      const reply = await server.request("POST", "/api/jobs", { body });
      assertError(reply, 400, "bad_request", message);
    }
    assert.deepEqual(
      (await server.request<{ jobs: unknown[] }>("GET", "/api/jobs")).body.jobs,
      [],
      "none stored",
    );
  });

  test("an unknown task is 400 naming it and listing the tasks; an unknown workload is 400 listing the workloads", async () => {
    await using server = await serve();
    assertError(
      await server.request("POST", "/api/jobs", {
        body: { type: "task", task: "tasks.cube", input: { items: [1] } },
      }),
      400,
      "unknown_task",
      /unknown task "tasks\.cube": this service runs tasks\.add, .*tasks\.square, .*\(start it with --tasks <module>\)/,
    );
    assertError(
      await server.request("POST", "/api/jobs", { body: { type: "workload", workload: "fibonacci" } }),
      400,
      "unknown_workload",
      /unknown workload "fibonacci": the workloads are sum-of-squares, primes, pi, /,
    );
    assertError(
      await server.request("POST", "/api/jobs", {
        body: { type: "bench", workloads: ["pi", "fibonacci"], workers: [1] },
      }),
      400,
      "unknown_workload",
      /unknown workload "fibonacci"/,
    );
  });

  test("a malformed job id is 400 and an unknown one 404, on every job route", async () => {
    await using server = await serve();
    const routes: [string, string][] = [
      ["GET", ""],
      ["GET", "/result"],
      ["GET", "/report"],
      ["POST", "/cancel"],
      ["POST", "/resubmit"],
    ];
    for (const [method, suffix] of routes) {
      assertError(
        await server.request(method, `/api/jobs/not-a-job${suffix}`),
        400,
        "bad_request",
        /params\/id must match pattern/,
      );
      assertError(
        await server.request(method, `/api/jobs/${unknownId}${suffix}`),
        404,
        "not_found",
        new RegExp(`no job ${unknownId}`),
      );
    }
  });

  test("a failed job's error is one line, without a stack", async (t) => {
    await using server = await serve();
    const events = await server.events();
    const [job] = await runJobs(server, events, t, [
      { type: "task", task: "tasks.failOn", input: { items: [1, 13, 2] } },
    ]);
    assert.equal(job!.state, "failed");
    const { error } = await server.job(job!.id);
    assert.match(error!, /unlucky 13/);
    assert.doesNotMatch(error!, /\n/);
    assertError(
      await server.request("GET", `/api/jobs/${job!.id}/result`),
      409,
      "not_completed",
      /is failed/,
    );
  });

  test("an unexpected error is a 500 that tells the client nothing of the code; the log has the stack", async (t) => {
    await using server = await serve();
    // A fault inside the service, with a message that must not reach the client.
    const fault = new Error("the catalog broke at /srv/secret/path.ts:12:3");
    Object.defineProperty(server.running.service, "catalog", {
      value: () => {
        throw fault;
      },
    });
    const logged = t.mock.method(console, "error", () => undefined);
    const reply = await server.request("GET", "/api/catalog");
    assertError(reply, 500, "internal", /^internal error; the server's log has the details$/);
    assert.doesNotMatch(reply.text, /secret|catalog broke/);
    assert.ok(
      logged.mock.calls.some((call) => (call.arguments as unknown[]).includes(fault)),
      "the error, with its stack, is logged on the server",
    );
  });

  test("a leap second in `before` is a 400, not a 500", async (t) => {
    await using server = await serve();
    t.mock.method(console, "error", () => undefined);
    const reply = await server.request("GET", "/api/jobs?before=2016-12-31T23:59:60Z");
    assertError(reply, 400, "bad_request", /before/);
  });

  test("an unknown route answers 404 in the API's error shape", async () => {
    await using server = await serve();
    const response = await fetch(`${server.url}/api/nope`);
    const body = (await response.json()) as { error?: { code?: string } };
    assert.equal(response.status, 404);
    assert.equal(body.error?.code, "not_found", JSON.stringify(body));
  });
});

describe("the token", { timeout: 60_000 }, () => {
  test("with a token, every API route needs it: 401 without or wrong, 200 with Bearer; the event stream takes ?token=", async (t) => {
    await using server = await serve({ token: "s3cret" });
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    for (const path of ["/api/catalog", "/api/jobs", "/api/workers", "/metrics", "/openapi.json"]) {
      assertError(await server.request("GET", path), 401, "unauthorized", /a valid token is required/);
      assertError(
        await server.request("GET", path, { headers: bearer("s3cre") }),
        401,
        "unauthorized",
        /token/,
      );
      assertError(
        await server.request("GET", path, { headers: bearer("s3cretX") }),
        401,
        "unauthorized",
        /token/,
      );
      assertError(
        await server.request("GET", path, { headers: { authorization: "s3cret" } }),
        401,
        "unauthorized",
        /Bearer/,
      );
      assert.equal((await server.request("GET", path, { headers: bearer("s3cret") })).status, 200, path);
    }
    // Submitting is refused, and nothing is stored.
    assertError(
      await server.request("POST", "/api/jobs", { body: primes200k }),
      401,
      "unauthorized",
      /token/,
    );
    const { body } = await server.request<{ jobs: unknown[] }>("GET", "/api/jobs", {
      headers: bearer("s3cret"),
    });
    assert.deepEqual(body.jobs, []);
    // ?token= is only where a browser cannot send a header: the event stream (EventSource) ...
    assertError(await server.request("GET", "/api/jobs?token=s3cret"), 401, "unauthorized", /token/);
    // ... and for a page a browser opens in a new tab: a bench's report (a job's result: see below).
    const report = `/api/jobs/${unknownId}/report`;
    assertError(await server.request("GET", report), 401, "unauthorized", /token/);
    assertError(await server.request("GET", `${report}?token=wrong`), 401, "unauthorized", /token/);
    assertError(await server.request("GET", `${report}?token=s3cret`), 404, "not_found", /no job/);
    assertError(
      await server.request("GET", `/api/jobs/${unknownId}/result?token=wrong`),
      401,
      "unauthorized",
      /token/,
    );

    assert.equal((await server.events("?token=wrong")).status, 401);
    assert.equal((await server.events()).status, 401);
    const stream = await server.events("?token=s3cret");
    assert.equal(stream.status, 200);
    assert.equal((await stream.next<WorkersView>("workers", () => true, t.signal)).workers.length, 2);
    assert.equal((await server.events("", bearer("s3cret"))).status, 200);
    // The dashboard's page itself is public; what it fetches needs the token.
    assert.equal((await server.request("GET", "/")).status, 200);
  });

  test("beyond loopback the server will not start without a token", async () => {
    for (const host of ["0.0.0.0", "::", "192.0.2.1"]) {
      await assert.rejects(
        // A server that starts after all is closed, so the failed test does not keep it running.
        startServer({ tasks: [fixtureTasks], host, port: 0, db: ":memory:", workers: 1 }).then((server) =>
          server.close(),
        ),
        /listening on .* exposes the service beyond this machine: give a token/,
        host,
      );
    }
  });

  test("?token= opens a job's result page, as the token check allows", async (t) => {
    const auth = { authorization: "Bearer s3cret" };
    await using server = await serve({ token: "s3cret" });
    const events = await server.events("", auth);
    const job = (
      await server.request<{ job: JobView }>("POST", "/api/jobs", {
        body: { type: "task", task: "tasks.square", input: { items: [1, 2, 3] } },
        headers: auth,
      })
    ).body.job;
    await events.jobIn(job.id, "completed", t.signal);
    assert.equal((await server.request("GET", `/api/jobs/${job.id}/result`, { headers: auth })).status, 200);
    const reply = await server.request<{ entries: number[] }>(
      "GET",
      `/api/jobs/${job.id}/result?token=s3cret`,
    );
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(reply.body.entries, [1, 4, 9]);
  });

  test("a percent-encoded path does not get past the token", async () => {
    await using server = await serve({ token: "s3cret" });
    for (const path of ["/%61pi/jobs", "/%61pi/catalog", "/%6detrics", "/%6Fpenapi.json"]) {
      assert.equal((await server.request("GET", path)).status, 401, `GET ${path} without the token`);
    }
    const submit = await server.request("POST", "/%61pi/jobs", { body: primes200k });
    assert.equal(submit.status, 401, `POST /%61pi/jobs without the token: ${submit.status} ${submit.text}`);
  });
});

describe("limits", { timeout: 60_000 }, () => {
  test("maxPerClient: a client's third job while two are queued or running is 429", async (t) => {
    await using server = await serve({ tasks: [fixtureTasks, crashTasks], maxPerClient: 2, maxRunning: 1 });
    const events = await server.events();
    const running = await server.submit(untilCancelled);
    const queued = await server.submit(untilCancelled);
    await events.jobIn(running.id, "running", t.signal);
    assert.equal((await server.job(queued.id)).state, "queued", "maxRunning: 1");

    assertError(
      await server.request("POST", "/api/jobs", { body: primes200k }),
      429,
      "too_many_jobs",
      /already has 2 jobs queued or running; wait for one to finish/,
    );
    assertError(
      await server.request("POST", `/api/jobs/${running.id}/resubmit`),
      429,
      "too_many_jobs",
      /already has 2 jobs/,
    );
    // A cancelled job no longer counts: the queued one is cancelled without ever running.
    const cancelled = await server.request<{ job: JobView }>("POST", `/api/jobs/${queued.id}/cancel`);
    assert.equal(cancelled.body.job.state, "cancelled");
    assert.equal(cancelled.body.job.startedAt, undefined);
    const third = await server.submit(primes200k);
    await server.request("POST", `/api/jobs/${running.id}/cancel`);
    assert.equal((await settled(events, third.id, t)).state, "completed");
    assert.deepEqual(statesOf(events.events, queued.id), ["queued", "cancelled"]);
  });
});
