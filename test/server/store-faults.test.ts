// The job store when it cannot write: a second server on the same file, another program holding the
// file's lock, a full disk. The server refuses to start with a clear message, or goes on serving and
// fails only the jobs it could not record, saying so; it never exits on a store error.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync, StatementSync } from "node:sqlite";
import { after, describe, test, type TestContext } from "node:test";
import type { JobView } from "../../src/server/api/types.ts";
import { checkLeaks } from "../support/leaks.ts";
import { assertError, fixtureTasks, gatedJob, gateTasks, runJobs, serve, settled } from "./http.ts";

checkLeaks();

const dir = mkdtempSync(join(tmpdir(), "weft-store-faults-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const square = { type: "task", task: "tasks.square", input: { items: [1, 2, 3] } } as const;

/**
 * Makes every write of SQLite in this process fail as on a full disk (SQLITE_FULL, as node:sqlite
 * reports it), from `fill()` until `free()`; reads go on working, as they do on a full disk.
 */
function diskFull(t: TestContext) {
  let full = false;
  const writes = /^\s*(INSERT|UPDATE|DELETE|BEGIN|REPLACE)/i;
  const failure = () =>
    Object.assign(new Error("database or disk is full"), {
      code: "ERR_SQLITE_ERROR",
      errcode: 13,
      errstr: "database or disk is full",
    });
  for (const method of ["get", "all", "run"] as const) {
    // Called below with the statement as `this`.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const original = StatementSync.prototype[method] as (...args: unknown[]) => unknown;
    t.mock.method(StatementSync.prototype, method, function (this: StatementSync, ...args: unknown[]) {
      if (full && writes.test(this.sourceSQL)) throw failure();
      return original.apply(this, args);
    });
  }
  const exec = DatabaseSync.prototype.exec; // eslint-disable-line @typescript-eslint/unbound-method
  t.mock.method(DatabaseSync.prototype, "exec", function (this: DatabaseSync, sql: string) {
    if (full && writes.test(sql)) throw failure();
    return exec.call(this, sql);
  });
  return {
    fill: () => (full = true),
    free: () => (full = false),
  };
}

describe("the job store's file is the server's alone", { timeout: 60_000 }, () => {
  test("a second server on the same file refuses to start, naming it; the first one's running job is left alone", async (t) => {
    const db = join(dir, "shared.db");
    const gate = join(dir, "shared-gate");
    await using first = await serve({ db, tasks: [fixtureTasks, gateTasks] });
    const events = await first.events();
    const job = await first.submit(gatedJob(gate));
    await events.jobIn(job.id, "running", t.signal);
    await assert.rejects(
      // A server that starts after all is closed, so the failed test does not keep it running.
      serve({ db }).then((second) => second.close()),
      /the job database .*shared\.db is in use by another process \(another weft serve on the same file\?\): stop it, or give this server a file of its own \(--db\)/,
    );
    writeFileSync(gate, "");
    const done = await settled(events, job.id, t);
    assert.equal(done.state, "completed", done.error);
    assert.equal((await first.job(job.id)).state, "completed");
  });

  test("a program that holds the file's write lock when the server starts: refused at once, saying so", async () => {
    const db = join(dir, "locked.db");
    const other = new DatabaseSync(db);
    try {
      other.exec("CREATE TABLE held (x)");
      other.exec("BEGIN IMMEDIATE");
      other.exec("INSERT INTO held VALUES (1)");
      await assert.rejects(
        serve({ db }).then((server) => server.close()),
        /the job database .*locked\.db is in use by another process/,
      );
    } finally {
      other.close();
    }
    // Once the other program lets go, the server starts on that file.
    await using server = await serve({ db });
    assert.equal((await server.request("GET", "/api/jobs")).status, 200);
  });

  test("once the server runs, no other program can take the write lock from under it", async (t) => {
    const db = join(dir, "running.db");
    await using server = await serve({ db });
    const other = new DatabaseSync(db, { timeout: 0 });
    try {
      assert.throws(() => other.exec("BEGIN IMMEDIATE"), /database is locked/);
    } finally {
      other.close();
    }
    const events = await server.events();
    const [job] = await runJobs(server, events, t, [square]);
    assert.equal(job!.state, "completed", job!.error);
  });
});

describe("a store that cannot write", { timeout: 60_000 }, () => {
  test("a full disk fails the jobs it cannot record, saying so; the server goes on, and records them once it can", async (t) => {
    t.mock.method(console, "error", () => undefined);
    const disk = diskFull(t);
    const gate = join(dir, "full-gate");
    await using server = await serve({ tasks: [fixtureTasks, gateTasks], maxRunning: 1 });
    const events = await server.events();
    const running = await server.submit(gatedJob(gate));
    await events.jobIn(running.id, "running", t.signal);
    const queued = await server.submit(square);

    disk.fill();
    writeFileSync(gate, ""); // the running job ends now, and cannot be recorded; the queued one cannot start
    const cannotRecord = /^the job store could not record this job: .*database or disk is full$/;
    for (const job of [running, queued]) {
      const ended = await settled(events, job.id, t);
      assert.equal(ended.state, "failed");
      assert.match(ended.error!, cannotRecord);
      assert.match((await server.job(job.id)).error!, cannotRecord, "its own view says so too");
    }
    // The server still answers: reads work, and a new job is refused saying why.
    assert.equal((await server.request("GET", "/api/jobs")).status, 200);
    assertError(
      await server.request("POST", "/api/jobs", { body: square }),
      503,
      "store_unavailable",
      /the job store cannot take this now: database or disk is full/,
    );

    disk.free();
    const [next] = await runJobs(server, events, t, [square]);
    assert.equal(next!.state, "completed", next!.error);
    const failed = await server.request<{ jobs: JobView[] }>("GET", "/api/jobs?state=failed");
    assert.deepEqual(
      failed.body.jobs.map((job) => job.id).sort(),
      [running.id, queued.id].sort(),
      "the failures it could not write then are written now",
    );
  });
});
