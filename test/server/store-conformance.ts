// The job store's conformance suite: the same tests of a job's life, the changes it refuses,
// listing a page at a time, counting, results across stored rows, retention and values JSON cannot
// hold, run against every store (SQLite and PostgreSQL; store-conformance.test.ts runs them).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { JobDefinition, JobView } from "../../src/server/api/types.ts";
import { JobNotFoundError, JobStateError } from "../../src/server/store/errors.ts";
import type { JobStore } from "../../src/server/store/job-store.ts";

export const pi: JobDefinition = { type: "workload", workload: "pi", size: 1_000_000 };
export const squares: JobDefinition = {
  type: "task",
  task: "tasks.square",
  input: { range: { from: 0, to: 2500 } },
};

/** A clock that moves only when told, starting at a known time. */
export function manualClock(start = "2025-03-01T12:00:00.000Z") {
  let now = Date.parse(start);
  return {
    now: () => now,
    advance: (ms: number) => (now += ms),
  };
}
export type ManualClock = ReturnType<typeof manualClock>;

/** Opens an empty store on `clock`. */
export type OpenStore = (clock?: ManualClock) => Promise<JobStore>;

/** Asserts `action` is refused with a JobStateError whose message matches. */
export async function assertRefused(action: () => Promise<unknown>, message: RegExp) {
  await assert.rejects(action, (error: Error) => {
    assert.ok(error instanceof JobStateError, `${error.name}: ${error.message}`);
    assert.match(error.message, message);
    return true;
  });
}

/** Runs the suite against the stores `open` makes, each test on one of its own. */
export function storeConformance(openStore: OpenStore): void {
  describe("a job's life", () => {
    test("queued, running, completed: each change returns the view, optional fields omitted until set", async () => {
      const clock = manualClock();
      await using store = await openStore(clock);
      const queued = await store.create(pi, "pi with 1,000,000 samples", "client-a");
      assert.deepEqual(queued, {
        id: queued.id,
        type: "workload",
        label: "pi with 1,000,000 samples",
        state: "queued",
        createdAt: "2025-03-01T12:00:00.000Z",
        progress: { done: 0, rate: 0 },
      });
      assert.match(queued.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

      clock.advance(1000);
      const running = await store.start(queued.id);
      assert.equal(running.state, "running");
      assert.equal(running.startedAt, "2025-03-01T12:00:01.000Z");
      assert.ok(!("finishedAt" in running));

      const progressed = await store.progress(queued.id, 250_000, 1_000_000, 125_000.5);
      assert.deepEqual(progressed?.progress, { done: 250_000, total: 1_000_000, rate: 125_000.5 });
      assert.deepEqual((await store.progress(queued.id, 300_000, undefined, 1))?.progress, {
        done: 300_000,
        rate: 1,
      });

      clock.advance(2000);
      const completed = await store.complete(queued.id, { value: 3.14159 });
      assert.deepEqual(completed, {
        ...queued,
        state: "completed",
        startedAt: "2025-03-01T12:00:01.000Z",
        finishedAt: "2025-03-01T12:00:03.000Z",
        progress: { done: 300_000, rate: 1 },
        summary: { value: 3.14159 },
      });
      // A job's own view adds its definition, which the views of changes leave out.
      assert.deepEqual(await store.get(queued.id), { ...completed, definition: pi });
      assert.deepEqual(await store.definition(queued.id), pi);
      assert.ok(
        !(Object.values(completed) as unknown[]).includes(null),
        "absent fields are omitted, not null",
      );
    });

    test("complete with entries records how many; a summary of undefined is left out", async () => {
      await using store = await openStore();
      const job = await store.create(squares, "squares", "client-a");
      await store.start(job.id);
      const completed = await store.complete(job.id, undefined, ["a", "b", "c"]);
      assert.equal(completed.resultEntries, 3);
      assert.ok(!("summary" in completed));
      assert.deepEqual(await store.results(job.id, 0, 10), { total: 3, entries: ["a", "b", "c"] });
    });

    test("fail and cancel apply to queued and running jobs", async () => {
      await using store = await openStore();
      const failedQueued = await store.fail((await store.create(pi, "pi", "c")).id, "unknown workload");
      assert.equal(failedQueued.state, "failed");
      assert.equal(failedQueued.error, "unknown workload");
      assert.ok(failedQueued.finishedAt);
      assert.ok(!("startedAt" in failedQueued));

      const running = await store.create(pi, "pi", "c");
      await store.start(running.id);
      assert.equal((await store.fail(running.id, "TaskError: boom")).state, "failed");

      assert.equal((await store.cancel((await store.create(pi, "pi", "c")).id)).state, "cancelled");
      const cancelledRunning = await store.create(pi, "pi", "c");
      await store.start(cancelledRunning.id);
      const cancelled = await store.cancel(cancelledRunning.id);
      assert.equal(cancelled.state, "cancelled");
      assert.ok(cancelled.startedAt && cancelled.finishedAt);
    });

    test("resubmittedFrom is kept", async () => {
      await using store = await openStore();
      const first = await store.create(pi, "pi", "c");
      const again = await store.create(await store.definition(first.id), first.label, "c", first.id);
      assert.equal(again.resubmittedFrom, first.id);
      assert.equal((await store.get(again.id))?.resubmittedFrom, first.id);
    });
  });

  describe("changes a job's state does not allow", () => {
    test("are refused with a JobStateError naming the job and its state, and change nothing", async () => {
      await using store = await openStore();
      const cancelled = await store.create(pi, "pi", "c");
      await store.start(cancelled.id);
      await store.cancel(cancelled.id);
      const before = await store.get(cancelled.id);
      await assertRefused(
        () => store.complete(cancelled.id, { value: 1 }, [1, 2]),
        new RegExp(`^job ${cancelled.id} is already cancelled; cannot complete it$`),
      );
      await assertRefused(() => store.fail(cancelled.id, "late"), /is already cancelled; cannot fail it/);
      assert.deepEqual(await store.get(cancelled.id), before);
      assert.deepEqual(await store.results(cancelled.id, 0, 10), { total: 0, entries: [] });

      const completed = await store.create(pi, "pi", "c");
      await store.start(completed.id);
      await store.complete(completed.id, { value: 1 });
      await assertRefused(
        () => store.cancel(completed.id),
        new RegExp(`job ${completed.id} is already completed`),
      );
      await assertRefused(() => store.start(completed.id), /is already completed; cannot start it/);

      const queued = await store.create(pi, "pi", "c");
      await assertRefused(
        () => store.complete(queued.id, undefined),
        /is queued, not running; cannot complete it/,
      );
      await store.start(queued.id);
      await assertRefused(() => store.start(queued.id), /is running, not queued; cannot start it/);
    });

    test("the error carries the job and its state, for the server's 409", async () => {
      await using store = await openStore();
      const job = await store.create(pi, "pi", "c");
      await store.cancel(job.id);
      await assert.rejects(
        () => store.cancel(job.id),
        (error: unknown) =>
          error instanceof JobStateError &&
          error.name === "JobStateError" &&
          error.jobId === job.id &&
          error.state === "cancelled",
      );
    });

    test("an unknown id: JobNotFoundError from changes and results, undefined from get", async () => {
      await using store = await openStore();
      const unknown = "00000000-0000-4000-8000-000000000000";
      assert.equal(await store.get(unknown), undefined);
      for (const change of [
        () => store.start(unknown),
        () => store.progress(unknown, 1, 2, 3),
        () => store.complete(unknown, null),
        () => store.fail(unknown, "x"),
        () => store.cancel(unknown),
        () => store.results(unknown, 0, 1),
      ]) {
        await assert.rejects(
          change,
          (error: Error) => error instanceof JobNotFoundError && error.message.includes(unknown),
        );
      }
    });

    test("progress after a job stopped running is dropped: undefined, and the job is unchanged", async () => {
      await using store = await openStore();
      const job = await store.create(pi, "pi", "c");
      assert.equal(await store.progress(job.id, 1, 10, 1), undefined);
      await store.start(job.id);
      await store.progress(job.id, 5, 10, 2);
      const cancelled = await store.cancel(job.id);
      assert.equal(await store.progress(job.id, 10, 10, 3), undefined);
      assert.deepEqual(await store.get(job.id), { ...cancelled, definition: pi });
      assert.deepEqual(cancelled.progress, { done: 5, total: 10, rate: 2 });
    });

    test("progress that is not a finite number >= 0 is a RangeError naming it", async () => {
      await using store = await openStore();
      const job = await store.create(pi, "pi", "c");
      await store.start(job.id);
      await assert.rejects(
        () => store.progress(job.id, 1, 10, Number.NaN),
        /rate must be a finite number >= 0, got NaN/,
      );
      await assert.rejects(
        () => store.progress(job.id, -1, 10, 1),
        /done must be a finite number >= 0, got -1/,
      );
      await assert.rejects(
        () => store.progress(job.id, 1, Infinity, 1),
        /total must be a finite number >= 0/,
      );
    });
  });

  describe("listing jobs", () => {
    /** Adds ten jobs, one ms apart, of alternating clients, every third cancelled; their ids newest first. */
    async function addTenJobs(store: JobStore, clock: ManualClock): Promise<string[]> {
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) {
        const job = await store.create(pi, `job ${i}`, i % 2 === 0 ? "even" : "odd");
        if (i % 3 === 0) await store.cancel(job.id);
        ids.push(job.id);
        clock.advance(1);
      }
      return ids.reverse();
    }

    test("newest first, up to the limit (50 by default)", async () => {
      const clock = manualClock();
      await using store = await openStore(clock);
      const newestFirst = await addTenJobs(store, clock);
      assert.deepEqual(
        (await store.list()).map((job) => job.id),
        newestFirst,
      );
      assert.deepEqual(
        (await store.list({ limit: 3 })).map((job) => job.id),
        newestFirst.slice(0, 3),
      );
      assert.deepEqual(await store.list({ limit: 0 }), []);
      for (let i = 0; i < 60; i++) await store.create(pi, "more", "c");
      assert.equal((await store.list()).length, 50);
    });

    test("by state, by client, or both", async () => {
      const clock = manualClock();
      await using store = await openStore(clock);
      await addTenJobs(store, clock);
      const labels = (jobs: JobView[]) => jobs.map((job) => job.label);
      assert.deepEqual(labels(await store.list({ state: "cancelled" })), [
        "job 9",
        "job 6",
        "job 3",
        "job 0",
      ]);
      assert.deepEqual(labels(await store.list({ client: "odd" })), [
        "job 9",
        "job 7",
        "job 5",
        "job 3",
        "job 1",
      ]);
      assert.deepEqual(labels(await store.list({ client: "even", state: "queued" })), [
        "job 8",
        "job 4",
        "job 2",
      ]);
      assert.deepEqual(await store.list({ client: "nobody" }), []);
    });

    test("page by page with the last createdAt as the cursor: every job once, even created in one ms", async () => {
      const clock = manualClock();
      await using store = await openStore(clock);
      const created: string[] = [];
      for (let i = 0; i < 25; i++) created.push((await store.create(pi, `job ${i}`, "c")).id);
      clock.advance(-60_000); // the clock going back does not reorder jobs
      created.push((await store.create(pi, "after the clock went back", "c")).id);

      const seen: string[] = [];
      let before: string | undefined;
      for (;;) {
        const page = await store.list({ limit: 7, ...(before !== undefined && { before }) });
        if (page.length === 0) break;
        seen.push(...page.map((job) => job.id));
        before = page.at(-1)!.createdAt;
      }
      assert.deepEqual(seen, created.reverse());
    });

    test("the cursor combines with the filters", async () => {
      const clock = manualClock();
      await using store = await openStore(clock);
      await addTenJobs(store, clock);
      const [, second] = await store.list({ client: "odd" });
      assert.deepEqual(
        (await store.list({ client: "odd", state: "queued", before: second!.createdAt })).map(
          (job) => job.label,
        ),
        ["job 5", "job 1"],
      );
    });

    test("a cursor that is not a time, or a bad limit, is a RangeError", async () => {
      await using store = await openStore();
      await assert.rejects(() => store.list({ before: "yesterday" }), /before must be an ISO 8601 time/);
      await assert.rejects(
        () => store.list({ limit: -1 }),
        /limit of a job list must be a whole number >= 0/,
      );
      await assert.rejects(() => store.list({ limit: 2.5 }), RangeError);
    });

    test("many jobs created in a loop get unique ids and unique, increasing createdAt", async () => {
      await using store = await openStore();
      const jobs: JobView[] = [];
      for (let i = 0; i < 2000; i++) jobs.push(await store.create(pi, "pi", "c"));
      assert.equal(new Set(jobs.map((job) => job.id)).size, jobs.length);
      const times = jobs.map((job) => Date.parse(job.createdAt));
      assert.ok(times.every((time, i) => i === 0 || time > times[i - 1]!));
    });
  });

  describe("counting", () => {
    test("countByState has every state; activeCount counts one client's queued and running jobs", async () => {
      await using store = await openStore();
      assert.deepEqual(await store.countByState(), {
        queued: 0,
        running: 0,
        completed: 0,
        failed: 0,
        cancelled: 0,
        interrupted: 0,
      });
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) ids.push((await store.create(pi, "pi", "a")).id);
      const [a1, a2, a3, a4] = ids;
      const b1 = (await store.create(pi, "pi", "b")).id;
      await store.start(a1!);
      await store.start(a2!);
      await store.complete(a2!, null);
      await store.fail(a3!, "x");
      await store.start(b1);
      assert.deepEqual(await store.countByState(), {
        queued: 1,
        running: 2,
        completed: 1,
        failed: 1,
        cancelled: 0,
        interrupted: 0,
      });
      assert.equal(await store.activeCount("a"), 2);
      assert.equal(await store.activeCount("b"), 1);
      assert.equal(await store.activeCount("nobody"), 0);
      await store.cancel(a4!);
      assert.equal(await store.activeCount("a"), 1);
    });
  });

  describe("results", () => {
    const entries = Array.from({ length: 2500 }, (_, i) => ({ i, square: i * i }));
    const expected = (from: number, to: number) => entries.slice(from, to);

    /** Adds a job completed with `entries`; its id. */
    async function addCompletedJob(store: JobStore): Promise<string> {
      const job = await store.create(squares, "squares", "c");
      await store.start(job.id);
      return (await store.complete(job.id, { entries: entries.length }, entries)).id;
    }

    test("are read page by page across the stored rows of 1000", async () => {
      await using store = await openStore();
      const id = await addCompletedJob(store);
      assert.equal((await store.get(id))?.resultEntries, 2500);
      assert.deepEqual(await store.results(id, 0, 10), { total: 2500, entries: expected(0, 10) });
      assert.deepEqual((await store.results(id, 999, 2)).entries, expected(999, 1001));
      assert.deepEqual((await store.results(id, 1000, 5)).entries, expected(1000, 1005));
      assert.deepEqual((await store.results(id, 2499, 10)).entries, expected(2499, 2500));
      assert.deepEqual((await store.results(id, 500, 2000)).entries, expected(500, 2500));
      assert.deepEqual((await store.results(id, 0, 10_000)).entries, entries);
      assert.deepEqual(await store.results(id, 1234, 0), { total: 2500, entries: [] });
    });

    test("beyond the end: no entries, and the total", async () => {
      await using store = await openStore();
      const id = await addCompletedJob(store);
      assert.deepEqual(await store.results(id, 2500, 10), { total: 2500, entries: [] });
      assert.deepEqual(await store.results(id, 10_000, 10), { total: 2500, entries: [] });
    });

    test("a job with no stored entries has none, whatever its state", async () => {
      await using store = await openStore();
      const queued = await store.create(pi, "pi", "c");
      assert.deepEqual(await store.results(queued.id, 0, 10), { total: 0, entries: [] });
      await store.start(queued.id);
      await store.complete(queued.id, { value: 3 }, []);
      assert.deepEqual(await store.results(queued.id, 0, 10), { total: 0, entries: [] });
      assert.equal((await store.get(queued.id))?.resultEntries, 0);
    });

    test("a negative or fractional offset or limit is a RangeError", async () => {
      await using store = await openStore();
      const id = await addCompletedJob(store);
      await assert.rejects(() => store.results(id, -1, 10), /offset must be a whole number >= 0, got -1/);
      await assert.rejects(() => store.results(id, 0, 1.5), /limit must be a whole number >= 0, got 1.5/);
    });
  });

  describe("retention", () => {
    test("prune deletes finished jobs older than keepMs, or beyond the newest keepJobs, with their results; never a live one", async () => {
      const clock = manualClock();
      await using store = await openStore(clock);
      const day = 24 * 3600_000;
      const finish = async (label: string) => {
        const job = await store.create(squares, label, "c");
        await store.start(job.id);
        await store.complete(job.id, { entries: 2 }, [1, 4]);
        clock.advance(day);
        return job.id;
      };
      const old = await finish("old");
      const running = await store.create(pi, "running", "c");
      await store.start(running.id);
      const queued = await store.create(pi, "queued", "c");
      const recent = [await finish("recent 1"), await finish("recent 2"), await finish("recent 3")];
      // Now: "old" finished 4 days ago, the recent ones 3, 2 and 1 day ago.
      assert.equal(await store.prune({ keepJobs: 10, keepMs: 3.5 * day }), 1);
      assert.equal(await store.get(old), undefined);
      await assert.rejects(() => store.results(old, 0, 10), JobNotFoundError);
      assert.equal(
        await store.prune({ keepJobs: 2, keepMs: 10 * day }),
        1,
        "the oldest beyond the newest two",
      );
      assert.equal(await store.get(recent[0]!), undefined);
      assert.equal(await store.prune({ keepJobs: 0, keepMs: 0 }), 2);
      assert.deepEqual(
        (await store.list()).map((job) => job.label),
        ["queued", "running"],
        "queued and running jobs are never deleted",
      );
      assert.deepEqual((await store.get(running.id))?.state, "running");
      assert.deepEqual((await store.get(queued.id))?.state, "queued");
    });
  });

  describe("values JSON cannot hold", () => {
    test("a BigInt in the summary or the entries is a TypeError saying so; the job stays running", async () => {
      await using store = await openStore();
      const job = await store.create(squares, "squares", "c");
      await store.start(job.id);
      await assert.rejects(
        () => store.complete(job.id, { value: 10n ** 30n }),
        (error: Error) => {
          assert.ok(error instanceof TypeError);
          assert.match(error.message, new RegExp(`the summary of job ${job.id} is not JSON-serializable`));
          assert.match(error.message, /BigInt/);
          return true;
        },
      );
      await assert.rejects(
        () => store.complete(job.id, null, [...Array.from({ length: 1500 }, (_, i) => i), 7n]),
        /result entries 1000\.\. of job .* is not JSON-serializable .*BigInt/,
      );
      assert.equal((await store.get(job.id))?.state, "running");
      assert.equal((await store.complete(job.id, { value: String(10n ** 30n) })).state, "completed");
      assert.deepEqual(await store.results(job.id, 0, 1), { total: 0, entries: [] });
    });

    test("a summary JSON turns into nothing (a function) is a TypeError too", async () => {
      await using store = await openStore();
      const job = await store.create(pi, "pi", "c");
      await store.start(job.id);
      await assert.rejects(
        () => store.complete(job.id, () => 1),
        /summary of job .* is not JSON-serializable: it is a function/,
      );
    });
  });

  describe("leases", () => {
    test("a started job is held by this store's owner: renew keeps the jobs it still runs, and leaves out the others", async () => {
      await using store = await openStore();
      const [running, cancelled, queued, completed] = [
        await store.create(pi, "running", "c"),
        await store.create(pi, "cancelled", "c"),
        await store.create(pi, "queued", "c"),
        await store.create(pi, "completed", "c"),
      ];
      for (const job of [running, cancelled, completed]) await store.start(job.id);
      await store.cancel(cancelled.id);
      await store.complete(completed.id, null);
      const unknown = "00000000-0000-4000-8000-000000000000";
      assert.deepEqual(await store.renew([running.id, cancelled.id, queued.id, completed.id, unknown]), [
        running.id,
      ]);
      assert.deepEqual(await store.renew([]), []);
      assert.match(store.owner, /^[0-9a-f-]{36}$/);
    });

    test("recover queues every queued job, oldest first, and leaves the jobs this store runs alone", async () => {
      const clock = manualClock();
      await using store = await openStore(clock);
      const first = await store.create(pi, "first", "c");
      clock.advance(1);
      const mine = await store.create(pi, "mine", "c");
      clock.advance(1);
      const second = await store.create(pi, "second", "c");
      await store.start(mine.id);
      assert.deepEqual(await store.recover(() => "never asked"), {
        queued: [first.id, second.id],
        resumed: 0,
        interrupted: 0,
      });
      assert.equal((await store.get(mine.id))?.state, "running");
    });

    test("recover with a limit gives the oldest queued jobs only", async () => {
      const clock = manualClock();
      await using store = await openStore(clock);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push((await store.create(pi, `job ${i}`, "c")).id);
        clock.advance(1);
      }
      assert.deepEqual((await store.recover(() => undefined, 2)).queued, ids.slice(0, 2));
      assert.deepEqual((await store.recover(() => undefined)).queued, ids);
    });
  });
}
