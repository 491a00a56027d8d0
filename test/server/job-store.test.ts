// The SQLite job store's own file: created with its schema, locked by one process, and what a restart
// after a stop or a crash finds. The tests every store passes are in store-conformance.ts.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";
import { after, describe, test } from "node:test";
import { SqliteJobStore } from "../../src/server/store/sqlite-job-store.ts";
import { checkLeaks } from "../support/leaks.ts";
import { assertRefused, manualClock, pi, squares } from "./store-conformance.ts";

checkLeaks();

const dir = mkdtempSync(join(tmpdir(), "weft-job-store-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("a database file", () => {
  const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
  const storeModule = new URL("../../src/server/store/sqlite-job-store.ts", import.meta.url).href;

  test("is created with its parent folders, in WAL mode, at the current schema version", async () => {
    const path = join(dir, "created", "nested", "jobs.db");
    const store = SqliteJobStore.open(path);
    await store.create(pi, "pi", "c");
    assert.ok(existsSync(`${path}-wal`));
    await store.close();
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      assert.equal(db.prepare("PRAGMA journal_mode").get()?.journal_mode, "wal");
      assert.equal(db.prepare("PRAGMA user_version").get()?.user_version, 3);
    } finally {
      db.close();
    }
  });

  test("reopened after the server stopped: queued jobs stay queued, running ones resume or are interrupted with the reason, finished ones intact", async () => {
    const path = join(dir, "reopened", "jobs.db");
    const clock = manualClock();
    const first = SqliteJobStore.open(path, { now: clock.now });
    const running = await first.create(pi, "pi", "a");
    await first.start(running.id);
    await first.progress(running.id, 10, 100, 5);
    const stuck = await first.create(squares, "squares", "b");
    await first.start(stuck.id);
    const queued = await first.create(pi, "pi", "b");
    const done = await first.create(squares, "squares", "a");
    await first.start(done.id);
    const doneEntries = Array.from({ length: 1500 }, (_, i) => i * i);
    await first.ledgers.claim(done.id, new Uint8Array([1]), "d");
    const completed = await first.complete(done.id, { entries: 1500 }, doneEntries);
    assert.equal(await first.ledgers.read(done.id), undefined, "a completed job's ledger goes with it");
    const cancelled = await first.cancel((await first.create(pi, "pi", "a")).id);
    await first.ledgers.claim(running.id, new Uint8Array([1, 2]), "r");
    first.ledgers.record(running.id, { start: 0, count: 40, partial: 7, failures: [] });
    await first.ledgers.claim("left-over", new Uint8Array([3]), "x");
    await first.close();

    clock.advance(60_000);
    await using second = SqliteJobStore.open(path, { now: clock.now });
    const recovery = await second.recover((id, definition) =>
      definition.type === "task" ? `${id} collects; resubmit it` : undefined,
    );
    assert.deepEqual(recovery, { queued: [running.id, queued.id], resumed: 1, interrupted: 1 });
    const resumed = (await second.get(running.id))!;
    assert.equal(resumed.state, "queued");
    assert.equal(resumed.startedAt, undefined);
    assert.equal((await second.get(queued.id))!.state, "queued");
    const interrupted = (await second.get(stuck.id))!;
    assert.equal(interrupted.state, "interrupted");
    assert.equal(interrupted.finishedAt, "2025-03-01T12:01:00.000Z");
    assert.equal(interrupted.error, `${stuck.id} collects; resubmit it`);
    await assertRefused(() => second.complete(stuck.id, null), /is already interrupted; cannot complete it/);

    // The resumed job's ledger is taken over by this process; one of no unfinished job is gone.
    assert.deepEqual(await second.ledgers.claim(running.id, new Uint8Array([1, 2]), "r"), [
      { start: 0, count: 40, partial: 7, failures: [] },
    ]);
    assert.deepEqual(await second.ledgers.read(running.id), { plan: new Uint8Array([1, 2]), done: 40 });
    assert.equal(await second.ledgers.read("left-over"), undefined);

    assert.deepEqual(await second.get(done.id), { ...completed, definition: squares });
    assert.deepEqual(await second.get(cancelled.id), { ...cancelled, definition: pi });
    assert.deepEqual((await second.results(done.id, 990, 20)).entries, doneEntries.slice(990, 1010));
    assert.equal(await second.activeCount("a"), 1);

    await second.start(running.id);
    await second.fail(running.id, "no more");
    assert.equal(await second.ledgers.read(running.id), undefined, "a failed job's ledger goes with it");
    const resubmitted = await second.create(pi, "pi", "a", stuck.id);
    assert.equal(
      (await second.list())[0]?.id,
      resubmitted.id,
      "a new job sorts first though the clock stood still",
    );
  });

  test("a ledger claimed with another plan is refused; one owned by this process is written only by it", async () => {
    await using store = SqliteJobStore.open(":memory:");
    const job = await store.create(pi, "pi", "a");
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
      import { SqliteJobStore } from ${JSON.stringify(storeModule)};
      const store = SqliteJobStore.open(process.argv[1]);
      const job = await store.create({ type: "workload", workload: "pi" }, "pi", "c");
      await store.start(job.id);
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
    await using store = SqliteJobStore.open(path);
    assert.deepEqual(await store.recover(() => undefined), {
      queued: [child.stdout],
      resumed: 1,
      interrupted: 0,
    });
    assert.equal((await store.get(child.stdout))?.state, "queued");
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
      () => SqliteJobStore.open(path),
      new RegExp(
        `could not open the job database ${path.replace(/[.\\/]/g, "\\$&")}: its schema is version 99`,
      ),
    );
  });

  test("a file that is not a database: refused, naming the file", () => {
    const path = join(dir, "not-a-database.db");
    writeFileSync(path, "x".repeat(4096));
    assert.throws(
      () => SqliteJobStore.open(path),
      /could not open the job database .*not-a-database\.db: file is not a database/,
    );
  });
});
