// The service under a bounded load, over loopback: many clients at once submit small task jobs and
// poll each until it finishes. No request may fail, and every job must run exactly once, be stored
// once and give the right answer. Requests/s and p99 latency are printed as diagnostics.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { JobView } from "../../src/server/api/types.ts";
import { checkLeaks } from "../support/leaks.ts";
import { serve, type ServerEvent } from "./http.ts";

checkLeaks();

const clients = 20;
const jobsPerClient = 10;
const itemsPerJob = 5;
/** Polls of one job's status before the test gives up on it. */
const maxPolls = 2000;
const finished = new Set(["completed", "failed", "cancelled", "interrupted"]);

type Route = "submit" | "status" | "result";

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

describe("the service under load", { timeout: 30_000 }, () => {
  test(`${clients} clients each submit ${jobsPerClient} task jobs and poll them to completion`, async (t) => {
    // Every client is 127.0.0.1 over loopback, so the per-client limit must allow them all.
    await using server = await serve({ maxPerClient: clients * jobsPerClient });
    const events = await server.events();
    const latencies: Record<Route, number[]> = { submit: [], status: [], result: [] };
    const failures: string[] = [];

    const timed = async <T>(route: Route, method: string, path: string, body?: unknown) => {
      const start = performance.now();
      const reply = await server.request<T>(method, path, { body });
      latencies[route].push(performance.now() - start);
      if (reply.status < 200 || reply.status >= 300)
        failures.push(`${method} ${path}: ${reply.status} ${reply.text}`);
      return reply;
    };
    const itemsOf = (client: number, job: number) =>
      Array.from({ length: itemsPerJob }, (_, i) => (client * jobsPerClient + job) * itemsPerJob + i);

    /** One client: submits its jobs one after another, then polls each until it is finished. */
    const client = async (c: number) => {
      const ids: string[] = [];
      for (let j = 0; j < jobsPerClient; j++) {
        const reply = await timed<{ job: JobView }>("submit", "POST", "/api/jobs", {
          type: "task",
          task: "tasks.square",
          input: { items: itemsOf(c, j) },
        });
        ids.push(reply.body.job.id);
      }
      const outcomes: { id: string; items: number[]; state: string }[] = [];
      for (const [j, id] of ids.entries()) {
        let state = "queued";
        for (let polls = 0; !finished.has(state); polls++) {
          assert.ok(polls < maxPolls, `job ${id} still ${state} after ${maxPolls} polls`);
          state = (await timed<{ job: JobView }>("status", "GET", `/api/jobs/${id}`)).body.job.state;
        }
        outcomes.push({ id, items: itemsOf(c, j), state });
      }
      return outcomes;
    };

    const started = performance.now();
    const outcomes = (await Promise.all(Array.from({ length: clients }, (_, c) => client(c)))).flat();
    const elapsedMs = performance.now() - started;

    assert.deepEqual(failures, [], "every request succeeded");
    assert.equal(outcomes.length, clients * jobsPerClient);
    assert.deepEqual(
      outcomes.filter((o) => o.state !== "completed"),
      [],
      "every job completed",
    );
    const submitted = outcomes.map((o) => o.id);
    assert.equal(new Set(submitted).size, submitted.length, "every job has its own id");

    // Each job was completed once: one `completed` event per job, and no other job's.
    const completedEvents = events.events
      .filter((e: ServerEvent) => e.event === "job" && (e.data as JobView).state === "completed")
      .map((e) => (e.data as JobView).id);
    assert.deepEqual([...completedEvents].sort(), [...submitted].sort(), "one completed event per job");

    // The store holds exactly the submitted jobs, each once, all completed.
    const listed = await server.request<{ jobs: JobView[] }>("GET", "/api/jobs?limit=500");
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body.jobs.map((job) => job.id).sort(), [...submitted].sort());
    assert.ok(listed.body.jobs.every((job) => job.state === "completed"));

    // And each result is right.
    for (const { id, items } of outcomes) {
      const page = await timed<{ total: number; entries: number[] }>(
        "result",
        "GET",
        `/api/jobs/${id}/result`,
      );
      assert.deepEqual(page.body, { total: itemsPerJob, offset: 0, entries: items.map((n) => n * n) }, id);
    }
    assert.deepEqual(failures, [], "every request succeeded");

    const all = Object.values(latencies)
      .flat()
      .sort((a, b) => a - b);
    const requests = latencies.submit.length + latencies.status.length;
    t.diagnostic(
      `${clients} clients, ${submitted.length} jobs: ${requests} requests in ${elapsedMs.toFixed(0)} ms ` +
        `(${((requests / elapsedMs) * 1000).toFixed(0)} requests/s)`,
    );
    for (const route of ["submit", "status", "result"] as const) {
      const sorted = [...latencies[route]].sort((a, b) => a - b);
      t.diagnostic(
        `${route}: ${sorted.length} requests, p50 ${percentile(sorted, 50).toFixed(1)} ms, ` +
          `p99 ${percentile(sorted, 99).toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms`,
      );
    }
    t.diagnostic(`all routes: p99 ${percentile(all, 99).toFixed(1)} ms`);
  });
});
