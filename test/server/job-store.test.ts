// The service's job store: the life of a job and the changes it refuses, listing a page at a time,
// reading results across stored rows, and what a restart after a crash finds.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";
import { after, describe, test } from "node:test";
import type { JobDefinition, JobView } from "../../src/server/api/types.ts";
import { JobNotFoundError, JobStateError } from "../../src/server/store/errors.ts";
import { JobStore } from "../../src/server/store/job-store.ts";
import { checkLeaks } from "../support/leaks.ts";

checkLeaks();

const dir = mkdtempSync(join(tmpdir(), "weft-job-store-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const pi: JobDefinition = { type: "workload", workload: "pi", size: 1_000_000 };
const squares: JobDefinition = {
  type: "task",
  task: "tasks.square",
  input: { range: { from: 0, to: 2500 } },
};

/** A clock that moves only when told, starting at a known time. */
function manualClock(start = "2025-03-01T12:00:00.000Z") {
  let now = Date.parse(start);
  return {
    now: () => now,
    advance: (ms: number) => (now += ms),
  };
}

function memoryStore(clock = manualClock()) {
  return JobStore.open(":memory:", { now: clock.now });
}

/** Asserts `action` is refused with a JobStateError whose message matches. */
function assertRefused(action: () => unknown, message: RegExp) {
  assert.throws(action, (error: Error) => {
    assert.ok(error instanceof JobStateError, `${error.name}: ${error.message}`);
    assert.match(error.message, message);
    return true;
  });
}

describe("a job's life", () => {
  test("queued, running, completed: each change returns the view, optional fields omitted until set", () => {
    const clock = manualClock();
    using store = memoryStore(clock);
    const queued = store.create(pi, "pi with 1,000,000 samples", "client-a");
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
    const running = store.start(queued.id);
    assert.equal(running.state, "running");
    assert.equal(running.startedAt, "2025-03-01T12:00:01.000Z");
    assert.ok(!("finishedAt" in running));

    const progressed = store.progress(queued.id, 250_000, 1_000_000, 125_000.5);
    assert.deepEqual(progressed?.progress, { done: 250_000, total: 1_000_000, rate: 125_000.5 });
    assert.deepEqual(store.progress(queued.id, 300_000, undefined, 1)?.progress, { done: 300_000, rate: 1 });

    clock.advance(2000);
    const completed = store.complete(queued.id, { value: 3.14159 });
    assert.deepEqual(completed, {
      ...queued,
      state: "completed",
      startedAt: "2025-03-01T12:00:01.000Z",
      finishedAt: "2025-03-01T12:00:03.000Z",
      progress: { done: 300_000, rate: 1 },
      summary: { value: 3.14159 },
    });
    // A job's own view adds its definition, which the views of changes leave out.
    assert.deepEqual(store.get(queued.id), { ...completed, definition: pi });
    assert.deepEqual(store.definition(queued.id), pi);
    assert.ok(!(Object.values(completed) as unknown[]).includes(null), "absent fields are omitted, not null");
  });

  test("complete with entries records how many; a summary of undefined is left out", () => {
    using store = memoryStore();
    const job = store.create(squares, "squares", "client-a");
    store.start(job.id);
    const completed = store.complete(job.id, undefined, ["a", "b", "c"]);
    assert.equal(completed.resultEntries, 3);
    assert.ok(!("summary" in completed));
    assert.deepEqual(store.results(job.id, 0, 10), { total: 3, entries: ["a", "b", "c"] });
  });

  test("fail and cancel apply to queued and running jobs", () => {
    using store = memoryStore();
    const failedQueued = store.fail(store.create(pi, "pi", "c").id, "unknown workload");
    assert.equal(failedQueued.state, "failed");
    assert.equal(failedQueued.error, "unknown workload");
    assert.ok(failedQueued.finishedAt);
    assert.ok(!("startedAt" in failedQueued));

    const running = store.create(pi, "pi", "c");
    store.start(running.id);
    assert.equal(store.fail(running.id, "TaskError: boom").state, "failed");

    assert.equal(store.cancel(store.create(pi, "pi", "c").id).state, "cancelled");
    const cancelledRunning = store.create(pi, "pi", "c");
    store.start(cancelledRunning.id);
    const cancelled = store.cancel(cancelledRunning.id);
    assert.equal(cancelled.state, "cancelled");
    assert.ok(cancelled.startedAt && cancelled.finishedAt);
  });

  test("resubmittedFrom is kept", () => {
    using store = memoryStore();
    const first = store.create(pi, "pi", "c");
    const again = store.create(store.definition(first.id), first.label, "c", first.id);
    assert.equal(again.resubmittedFrom, first.id);
    assert.equal(store.get(again.id)?.resubmittedFrom, first.id);
  });
});

describe("changes a job's state does not allow", () => {
  test("are refused with a JobStateError naming the job and its state, and change nothing", () => {
    using store = memoryStore();
    const cancelled = store.create(pi, "pi", "c");
    store.start(cancelled.id);
    store.cancel(cancelled.id);
    const before = store.get(cancelled.id);
    assertRefused(
      () => store.complete(cancelled.id, { value: 1 }, [1, 2]),
      new RegExp(`^job ${cancelled.id} is already cancelled; cannot complete it$`),
    );
    assertRefused(() => store.fail(cancelled.id, "late"), /is already cancelled; cannot fail it/);
    assert.deepEqual(store.get(cancelled.id), before);
    assert.deepEqual(store.results(cancelled.id, 0, 10), { total: 0, entries: [] });

    const completed = store.create(pi, "pi", "c");
    store.start(completed.id);
    store.complete(completed.id, { value: 1 });
    assertRefused(() => store.cancel(completed.id), new RegExp(`job ${completed.id} is already completed`));
    assertRefused(() => store.start(completed.id), /is already completed; cannot start it/);

    const queued = store.create(pi, "pi", "c");
    assertRefused(() => store.complete(queued.id, undefined), /is queued, not running; cannot complete it/);
    store.start(queued.id);
    assertRefused(() => store.start(queued.id), /is running, not queued; cannot start it/);
  });

  test("the error carries the job and its state, for the server's 409", () => {
    using store = memoryStore();
    const job = store.create(pi, "pi", "c");
    store.cancel(job.id);
    assert.throws(
      () => store.cancel(job.id),
      (error: unknown) =>
        error instanceof JobStateError &&
        error.name === "JobStateError" &&
        error.jobId === job.id &&
        error.state === "cancelled",
    );
  });

  test("an unknown id: JobNotFoundError from changes and results, undefined from get", () => {
    using store = memoryStore();
    const unknown = "00000000-0000-4000-8000-000000000000";
    assert.equal(store.get(unknown), undefined);
    for (const change of [
      () => store.start(unknown),
      () => store.progress(unknown, 1, 2, 3),
      () => store.complete(unknown, null),
      () => store.fail(unknown, "x"),
      () => store.cancel(unknown),
      () => store.results(unknown, 0, 1),
    ]) {
      assert.throws(
        change,
        (error: Error) => error instanceof JobNotFoundError && error.message.includes(unknown),
      );
    }
  });

  test("progress after a job stopped running is dropped: undefined, and the job is unchanged", () => {
    using store = memoryStore();
    const job = store.create(pi, "pi", "c");
    assert.equal(store.progress(job.id, 1, 10, 1), undefined);
    store.start(job.id);
    store.progress(job.id, 5, 10, 2);
    const cancelled = store.cancel(job.id);
    assert.equal(store.progress(job.id, 10, 10, 3), undefined);
    assert.deepEqual(store.get(job.id), { ...cancelled, definition: pi });
    assert.deepEqual(cancelled.progress, { done: 5, total: 10, rate: 2 });
  });

  test("progress that is not a finite number >= 0 is a RangeError naming it", () => {
    using store = memoryStore();
    const job = store.create(pi, "pi", "c");
    store.start(job.id);
    assert.throws(
      () => store.progress(job.id, 1, 10, Number.NaN),
      /rate must be a finite number >= 0, got NaN/,
    );
    assert.throws(() => store.progress(job.id, -1, 10, 1), /done must be a finite number >= 0, got -1/);
    assert.throws(() => store.progress(job.id, 1, Infinity, 1), /total must be a finite number >= 0/);
  });
});

describe("listing jobs", () => {
  /** Adds ten jobs, one ms apart, of alternating clients, every third cancelled; their ids newest first. */
  function addTenJobs(store: JobStore, clock: ReturnType<typeof manualClock>): string[] {
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const job = store.create(pi, `job ${i}`, i % 2 === 0 ? "even" : "odd");
      if (i % 3 === 0) store.cancel(job.id);
      ids.push(job.id);
      clock.advance(1);
    }
    return ids.reverse();
  }

  test("newest first, up to the limit (50 by default)", () => {
    const clock = manualClock();
    using store = memoryStore(clock);
    const newestFirst = addTenJobs(store, clock);
    assert.deepEqual(
      store.list().map((job) => job.id),
      newestFirst,
    );
    assert.deepEqual(
      store.list({ limit: 3 }).map((job) => job.id),
      newestFirst.slice(0, 3),
    );
    assert.deepEqual(store.list({ limit: 0 }), []);
    for (let i = 0; i < 60; i++) store.create(pi, "more", "c");
    assert.equal(store.list().length, 50);
  });

  test("by state, by client, or both", () => {
    const clock = manualClock();
    using store = memoryStore(clock);
    addTenJobs(store, clock);
    const labels = (jobs: JobView[]) => jobs.map((job) => job.label);
    assert.deepEqual(labels(store.list({ state: "cancelled" })), ["job 9", "job 6", "job 3", "job 0"]);
    assert.deepEqual(labels(store.list({ client: "odd" })), ["job 9", "job 7", "job 5", "job 3", "job 1"]);
    assert.deepEqual(labels(store.list({ client: "even", state: "queued" })), ["job 8", "job 4", "job 2"]);
    assert.deepEqual(store.list({ client: "nobody" }), []);
  });

  test("page by page with the last createdAt as the cursor: every job once, even created in one ms", () => {
    const clock = manualClock();
    using store = memoryStore(clock);
    const created = Array.from({ length: 25 }, (_, i) => store.create(pi, `job ${i}`, "c").id);
    clock.advance(-60_000); // the clock going back does not reorder jobs
    created.push(store.create(pi, "after the clock went back", "c").id);

    const seen: string[] = [];
    let before: string | undefined;
    for (;;) {
      const page = store.list({ limit: 7, ...(before !== undefined && { before }) });
      if (page.length === 0) break;
      seen.push(...page.map((job) => job.id));
      before = page.at(-1)!.createdAt;
    }
    assert.deepEqual(seen, created.reverse());
  });

  test("the cursor combines with the filters", () => {
    const clock = manualClock();
    using store = memoryStore(clock);
    addTenJobs(store, clock);
    const [, second] = store.list({ client: "odd" });
    assert.deepEqual(
      store.list({ client: "odd", state: "queued", before: second!.createdAt }).map((job) => job.label),
      ["job 5", "job 1"],
    );
  });

  test("a cursor that is not a time, or a bad limit, is a RangeError", () => {
    using store = memoryStore();
    assert.throws(() => store.list({ before: "yesterday" }), /before must be an ISO 8601 time/);
    assert.throws(() => store.list({ limit: -1 }), /limit of a job list must be a whole number >= 0/);
    assert.throws(() => store.list({ limit: 2.5 }), RangeError);
  });

  test("many jobs created in a loop get unique ids and unique, increasing createdAt", () => {
    using store = memoryStore();
    const jobs = Array.from({ length: 2000 }, () => store.create(pi, "pi", "c"));
    assert.equal(new Set(jobs.map((job) => job.id)).size, jobs.length);
    const times = jobs.map((job) => Date.parse(job.createdAt));
    assert.ok(times.every((time, i) => i === 0 || time > times[i - 1]!));
  });
});

describe("counting", () => {
  test("countByState has every state; activeCount counts one client's queued and running jobs", () => {
    using store = memoryStore();
    assert.deepEqual(store.countByState(), {
      queued: 0,
      running: 0,
      completed: 0,
      failed: 0,
      cancelled: 0,
      interrupted: 0,
    });
    const [a1, a2, a3, a4] = Array.from({ length: 4 }, () => store.create(pi, "pi", "a").id);
    const b1 = store.create(pi, "pi", "b").id;
    store.start(a1!);
    store.start(a2!);
    store.complete(a2!, null);
    store.fail(a3!, "x");
    store.start(b1);
    assert.deepEqual(store.countByState(), {
      queued: 1,
      running: 2,
      completed: 1,
      failed: 1,
      cancelled: 0,
      interrupted: 0,
    });
    assert.equal(store.activeCount("a"), 2);
    assert.equal(store.activeCount("b"), 1);
    assert.equal(store.activeCount("nobody"), 0);
    store.cancel(a4!);
    assert.equal(store.activeCount("a"), 1);
  });
});

describe("results", () => {
  const entries = Array.from({ length: 2500 }, (_, i) => ({ i, square: i * i }));
  const expected = (from: number, to: number) => entries.slice(from, to);

  /** Adds a job completed with `entries`; its id. */
  function addCompletedJob(store: JobStore): string {
    const job = store.create(squares, "squares", "c");
    store.start(job.id);
    return store.complete(job.id, { entries: entries.length }, entries).id;
  }

  test("are read page by page across the stored rows of 1000", () => {
    using store = memoryStore();
    const id = addCompletedJob(store);
    assert.equal(store.get(id)?.resultEntries, 2500);
    assert.deepEqual(store.results(id, 0, 10), { total: 2500, entries: expected(0, 10) });
    assert.deepEqual(store.results(id, 999, 2).entries, expected(999, 1001));
    assert.deepEqual(store.results(id, 1000, 5).entries, expected(1000, 1005));
    assert.deepEqual(store.results(id, 2499, 10).entries, expected(2499, 2500));
    assert.deepEqual(store.results(id, 500, 2000).entries, expected(500, 2500));
    assert.deepEqual(store.results(id, 0, 10_000).entries, entries);
    assert.deepEqual(store.results(id, 1234, 0), { total: 2500, entries: [] });
  });

  test("beyond the end: no entries, and the total", () => {
    using store = memoryStore();
    const id = addCompletedJob(store);
    assert.deepEqual(store.results(id, 2500, 10), { total: 2500, entries: [] });
    assert.deepEqual(store.results(id, 10_000, 10), { total: 2500, entries: [] });
  });

  test("a job with no stored entries has none, whatever its state", () => {
    using store = memoryStore();
    const queued = store.create(pi, "pi", "c");
    assert.deepEqual(store.results(queued.id, 0, 10), { total: 0, entries: [] });
    store.start(queued.id);
    store.complete(queued.id, { value: 3 }, []);
    assert.deepEqual(store.results(queued.id, 0, 10), { total: 0, entries: [] });
    assert.equal(store.get(queued.id)?.resultEntries, 0);
  });

  test("a negative or fractional offset or limit is a RangeError", () => {
    using store = memoryStore();
    const id = addCompletedJob(store);
    assert.throws(() => store.results(id, -1, 10), /offset must be a whole number >= 0, got -1/);
    assert.throws(() => store.results(id, 0, 1.5), /limit must be a whole number >= 0, got 1.5/);
  });
});

describe("retention", () => {
  test("prune deletes finished jobs older than keepMs, or beyond the newest keepJobs, with their results; never a live one", () => {
    const clock = manualClock();
    using store = memoryStore(clock);
    const day = 24 * 3600_000;
    const finish = (label: string) => {
      const job = store.create(squares, label, "c");
      store.start(job.id);
      store.complete(job.id, { entries: 2 }, [1, 4]);
      clock.advance(day);
      return job.id;
    };
    const old = finish("old");
    const running = store.create(pi, "running", "c");
    store.start(running.id);
    const queued = store.create(pi, "queued", "c");
    const recent = [finish("recent 1"), finish("recent 2"), finish("recent 3")];
    // Now: "old" finished 4 days ago, the recent ones 3, 2 and 1 day ago.
    assert.equal(store.prune({ keepJobs: 10, keepMs: 3.5 * day }), 1);
    assert.equal(store.get(old), undefined);
    assert.throws(() => store.results(old, 0, 10), JobNotFoundError);
    assert.equal(store.prune({ keepJobs: 2, keepMs: 10 * day }), 1, "the oldest beyond the newest two");
    assert.equal(store.get(recent[0]!), undefined);
    assert.equal(store.prune({ keepJobs: 0, keepMs: 0 }), 2);
    assert.deepEqual(
      store.list().map((job) => job.label),
      ["queued", "running"],
      "queued and running jobs are never deleted",
    );
    assert.deepEqual(store.get(running.id)?.state, "running");
    assert.deepEqual(store.get(queued.id)?.state, "queued");
  });
});

describe("values JSON cannot hold", () => {
  test("a BigInt in the summary or the entries is a TypeError saying so; the job stays running", () => {
    using store = memoryStore();
    const job = store.create(squares, "squares", "c");
    store.start(job.id);
    assert.throws(
      () => store.complete(job.id, { value: 10n ** 30n }),
      (error: Error) => {
        assert.ok(error instanceof TypeError);
        assert.match(error.message, new RegExp(`the summary of job ${job.id} is not JSON-serializable`));
        assert.match(error.message, /BigInt/);
        return true;
      },
    );
    assert.throws(
      () => store.complete(job.id, null, [...Array.from({ length: 1500 }, (_, i) => i), 7n]),
      /result entries 1000\.\. of job .* is not JSON-serializable .*BigInt/,
    );
    assert.equal(store.get(job.id)?.state, "running");
    assert.equal(store.complete(job.id, { value: String(10n ** 30n) }).state, "completed");
    assert.deepEqual(store.results(job.id, 0, 1), { total: 0, entries: [] });
  });

  test("a summary JSON turns into nothing (a function) is a TypeError too", () => {
    using store = memoryStore();
    const job = store.create(pi, "pi", "c");
    store.start(job.id);
    assert.throws(
      () => store.complete(job.id, () => 1),
      /summary of job .* is not JSON-serializable: it is a function/,
    );
  });
});

describe("a database file", () => {
  const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
  const storeModule = new URL("../../src/server/store/job-store.ts", import.meta.url).href;

  test("is created with its parent folders, in WAL mode, at the current schema version", () => {
    const path = join(dir, "created", "nested", "jobs.db");
    const store = JobStore.open(path);
    store.create(pi, "pi", "c");
    assert.ok(existsSync(`${path}-wal`));
    store.close();
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      assert.equal(db.prepare("PRAGMA journal_mode").get()?.journal_mode, "wal");
      assert.equal(db.prepare("PRAGMA user_version").get()?.user_version, 2);
    } finally {
      db.close();
    }
  });

  test("reopened after the server stopped: queued jobs stay queued, running ones resume or are interrupted with the reason, finished ones intact", async () => {
    const path = join(dir, "reopened", "jobs.db");
    const clock = manualClock();
    const first = JobStore.open(path, { now: clock.now });
    const running = first.create(pi, "pi", "a");
    first.start(running.id);
    first.progress(running.id, 10, 100, 5);
    const stuck = first.create(squares, "squares", "b");
    first.start(stuck.id);
    const queued = first.create(pi, "pi", "b");
    const done = first.create(squares, "squares", "a");
    first.start(done.id);
    const doneEntries = Array.from({ length: 1500 }, (_, i) => i * i);
    await first.ledgers.claim(done.id, new Uint8Array([1]), "d");
    const completed = first.complete(done.id, { entries: 1500 }, doneEntries);
    assert.equal(await first.ledgers.read(done.id), undefined, "a completed job's ledger goes with it");
    const cancelled = first.cancel(first.create(pi, "pi", "a").id);
    await first.ledgers.claim(running.id, new Uint8Array([1, 2]), "r");
    first.ledgers.record(running.id, { start: 0, count: 40, partial: 7, failures: [] });
    await first.ledgers.claim("left-over", new Uint8Array([3]), "x");
    first.close();

    clock.advance(60_000);
    using second = JobStore.open(path, { now: clock.now });
    const recovery = second.recover((id, definition) =>
      definition.type === "task" ? `${id} collects; resubmit it` : undefined,
    );
    assert.deepEqual(recovery, { queued: [running.id, queued.id], resumed: 1, interrupted: 1 });
    const resumed = second.get(running.id)!;
    assert.equal(resumed.state, "queued");
    assert.equal(resumed.startedAt, undefined);
    assert.equal(second.get(queued.id)!.state, "queued");
    const interrupted = second.get(stuck.id)!;
    assert.equal(interrupted.state, "interrupted");
    assert.equal(interrupted.finishedAt, "2025-03-01T12:01:00.000Z");
    assert.equal(interrupted.error, `${stuck.id} collects; resubmit it`);
    assertRefused(() => second.complete(stuck.id, null), /is already interrupted; cannot complete it/);

    // The resumed job's ledger is taken over by this process; one of no unfinished job is gone.
    assert.deepEqual(await second.ledgers.claim(running.id, new Uint8Array([1, 2]), "r"), [
      { start: 0, count: 40, partial: 7, failures: [] },
    ]);
    assert.deepEqual(await second.ledgers.read(running.id), { plan: new Uint8Array([1, 2]), done: 40 });
    assert.equal(await second.ledgers.read("left-over"), undefined);

    assert.deepEqual(second.get(done.id), { ...completed, definition: squares });
    assert.deepEqual(second.get(cancelled.id), { ...cancelled, definition: pi });
    assert.deepEqual(second.results(done.id, 990, 20).entries, doneEntries.slice(990, 1010));
    assert.equal(second.activeCount("a"), 1);

    second.start(running.id);
    second.fail(running.id, "no more");
    assert.equal(await second.ledgers.read(running.id), undefined, "a failed job's ledger goes with it");
    const resubmitted = second.create(pi, "pi", "a", stuck.id);
    assert.equal(second.list()[0]?.id, resubmitted.id, "a new job sorts first though the clock stood still");
  });

  test("a ledger claimed with another plan is refused; one owned by this process is written only by it", async () => {
    using store = memoryStore();
    const job = store.create(pi, "pi", "a");
    await store.ledgers.claim(job.id, new Uint8Array([1]), "one");
    await assert.rejects(store.ledgers.claim(job.id, new Uint8Array([2]), "two"), /with another plan/);
    store.ledgers.record(job.id, { start: 0, count: 5, partial: 1, failures: [] });
    store.ledgers.record(job.id, { start: 5, count: 5, partial: 2, failures: [] });
    store.ledgers.record("no-such-ledger", { start: 0, count: 5, partial: 1, failures: [] });
    assert.deepEqual(await store.ledgers.read(job.id), { plan: new Uint8Array([1]), done: 10 });
    assert.equal(await store.ledgers.read("no-such-ledger"), undefined);
    await store.ledgers.drop(job.id);
    assert.equal(await store.ledgers.read(job.id), undefined);
  });

  test("reopened after the process was killed mid-job: the job and its ledger are taken over", async () => {
    const path = join(dir, "killed", "jobs.db");
    const script = `
      import { JobStore } from ${JSON.stringify(storeModule)};
      const store = JobStore.open(process.argv[1]);
      const job = store.create({ type: "workload", workload: "pi" }, "pi", "c");
      store.start(job.id);
      await store.ledgers.claim(job.id, new Uint8Array([9]), "k");
      store.ledgers.record(job.id, { start: 0, count: 3, partial: 1, failures: [] });
      process.stdout.write(job.id, () => process.kill(process.pid, "SIGKILL"));
    `;
    const child = spawnSync(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script, path],
      { cwd: repoRoot, encoding: "utf8" },
    );
    assert.equal(child.signal, "SIGKILL", child.stderr);
    using store = JobStore.open(path);
    assert.deepEqual(
      store.recover(() => undefined),
      { queued: [child.stdout], resumed: 1, interrupted: 0 },
    );
    assert.equal(store.get(child.stdout)?.state, "queued");
    assert.deepEqual(await store.ledgers.claim(child.stdout, new Uint8Array([9]), "k"), [
      { start: 0, count: 3, partial: 1, failures: [] },
    ]);
  });

  test("written by a newer schema: refused, saying to upgrade weft", () => {
    const path = join(dir, "newer.db");
    const db = new DatabaseSync(path);
    db.exec("PRAGMA user_version = 99");
    db.close();
    assert.throws(
      () => JobStore.open(path),
      new RegExp(
        `could not open the job database ${path.replace(/[.\\/]/g, "\\$&")}: its schema is version 99`,
      ),
    );
  });

  test("a file that is not a database: refused, naming the file", () => {
    const path = join(dir, "not-a-database.db");
    writeFileSync(path, "x".repeat(4096));
    assert.throws(
      () => JobStore.open(path),
      /could not open the job database .*not-a-database\.db: file is not a database/,
    );
  });
});
