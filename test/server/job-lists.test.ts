// Lists of jobs stay small and the store does not grow for ever: a list leaves every job's definition
// out (a job's own view keeps it), and finished jobs past the retention are deleted with their
// results, while queued and running ones are kept.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { JobView } from "../../src/server/api/types.ts";
import { checkLeaks } from "../support/leaks.ts";
import {
  assertError,
  crashTasks,
  fixtureTasks,
  largeDefinition,
  runJobs,
  serve,
  settled,
  untilCancelled,
} from "./http.ts";

checkLeaks();

describe("lists of jobs", { timeout: 60_000 }, () => {
  test("10 jobs of 0.9 MiB each list in a few KB: a list holds no definitions, a job's own view does", async (t) => {
    await using server = await serve({ maxPerClient: 10 });
    const events = await server.events();
    const definition = largeDefinition();
    const jobs = await runJobs(
      server,
      events,
      t,
      Array.from({ length: 10 }, () => definition),
    );
    const list = await server.request<{ jobs: JobView[] }>("GET", "/api/jobs");
    assert.equal(list.status, 200);
    assert.equal(list.body.jobs.length, 10);
    assert.ok(list.text.length < 10_000, `GET /api/jobs is ${list.text.length} bytes for 10 jobs`);
    assert.ok(list.body.jobs.every((job) => !("definition" in job)));
    assert.deepEqual((await server.job(jobs[0]!.id)).definition, definition);
  });
});

describe("retention", { timeout: 60_000 }, () => {
  test("past retainJobs finished jobs, the oldest are deleted with their results; running and queued jobs are kept", async (t) => {
    await using server = await serve({ tasks: [fixtureTasks, crashTasks], retainJobs: 2, maxRunning: 1 });
    const events = await server.events();
    const running = await server.submit(untilCancelled);
    await events.jobIn(running.id, "running", t.signal);
    const square = (n: number) => ({ type: "task", task: "tasks.square", input: { items: [n] } });
    // Queued behind the running job: four that will finish, one after another.
    const queued = await Promise.all([1, 2, 3, 4].map((n) => server.submit(square(n))));
    const listed = async () =>
      (await server.request<{ jobs: JobView[] }>("GET", "/api/jobs")).body.jobs.map((job) => job.id);
    assert.deepEqual(
      await listed(),
      [running, ...queued].map((job) => job.id).reverse(),
      "nothing finished yet",
    );

    await server.request("POST", `/api/jobs/${running.id}/cancel`);
    for (const job of queued) assert.equal((await settled(events, job.id, t)).state, "completed");
    // The two newest finished jobs are kept; the cancelled one and the two oldest squares are gone.
    assert.deepEqual(await listed(), [queued[3]!.id, queued[2]!.id]);
    for (const gone of [running, queued[0]!, queued[1]!]) {
      assertError(await server.request("GET", `/api/jobs/${gone.id}`), 404, "not_found", /no job/);
      assertError(await server.request("GET", `/api/jobs/${gone.id}/result`), 404, "not_found", /no job/);
    }
    const kept = await server.request<{ entries: number[] }>("GET", `/api/jobs/${queued[3]!.id}/result`);
    assert.deepEqual(kept.body.entries, [16]);
  });
});
