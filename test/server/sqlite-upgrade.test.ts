// The SQLite job store's schema upgrades: a database file left at each older schema version (as the
// migrations up to it left it, with jobs in it) is opened by the current code, which brings it to
// the current version with those jobs intact and usable. The migrations an older file is built with
// are the current code's, which is what an older weft ran only while no released one is edited:
// the first test holds each to the text it was released with.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { serialize } from "node:v8";
import { after, describe, test } from "node:test";
import type { LedgerEntry } from "../../src/protocol/ledger.ts";
import { migrations } from "../../src/server/store/sqlite.ts";
import { SqliteJobStore } from "../../src/server/store/sqlite-job-store.ts";
import { checkLeaks } from "../support/leaks.ts";
import { pi, squares } from "./store-conformance.ts";

checkLeaks();

/**
 * The SHA-256 of each released migration, in order. Append a migration's digest when it is released;
 * never change one: databases already past a migration would miss the change.
 */
const released = [
  "7b7cead8ae6c8c51437672d46011a735f91048723d1c1ac41a088546a7e140f7", // jobs and result_rows
  "d72ba67423618a39fa3d1b523bcd91422050cecaf5be4ddeb11997bc123792f5", // ledgers and ledger_entries
  "1ca50638e8571fa2b6072a9c47e6e7ebb7525953bab40568542e96775e8ee300", // jobs.owner and jobs.lease_expires
];

const dir = mkdtempSync(join(tmpdir(), "weft-sqlite-upgrade-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const t0 = Date.UTC(2026, 0, 15, 12);
const iso = (ms: number) => new Date(ms).toISOString();
const completedEntries = Array.from({ length: 1500 }, (_, i) => i * i);
const ledgerEntry: LedgerEntry = { start: 0, count: 40, partial: 7, failures: [] };
const plan = new Uint8Array([1, 2, 3]);

/**
 * A database file at schema `version`, as the migrations up to it left it, holding what a server
 * of that version would have left: a completed job with its result rows, a running one (with the
 * ledger of its settled chunks, from version 2, which added ledgers) and a queued one. Only the
 * columns of version 1 are written: every later version keeps them.
 */
function oldDatabase(version: number): string {
  const path = join(dir, `v${version}.db`);
  const db = new DatabaseSync(path);
  try {
    for (const sql of migrations.slice(0, version)) db.exec(sql);
    db.exec(`PRAGMA user_version = ${version}`);
    const insert = db.prepare(
      `INSERT INTO jobs (id, type, label, client, state, created_at, started_at, finished_at,
         progress_done, progress_total, progress_rate, summary, result_entries, definition)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    insert.run(
      "completed",
      "task",
      "squares",
      "a",
      "completed",
      t0,
      t0 + 1000,
      t0 + 5000,
      1500,
      1500,
      300,
      JSON.stringify({ entries: 1500 }),
      1500,
      JSON.stringify(squares),
    );
    for (const first of [0, 1000]) {
      db.prepare("INSERT INTO result_rows (job_id, first_entry, entries) VALUES (?, ?, ?)").run(
        "completed",
        first,
        JSON.stringify(completedEntries.slice(first, first + 1000)),
      );
    }
    insert.run(
      "running",
      "workload",
      "pi",
      "b",
      "running",
      t0 + 10,
      t0 + 2000,
      null,
      40,
      100,
      20,
      null,
      null,
      JSON.stringify(pi),
    );
    insert.run(
      "queued",
      "workload",
      "pi",
      "a",
      "queued",
      t0 + 20,
      null,
      null,
      0,
      null,
      0,
      null,
      null,
      JSON.stringify(pi),
    );
    if (version >= 2) {
      db.prepare("INSERT INTO ledgers (name, owner, digest, plan) VALUES (?, ?, ?, ?)").run(
        "running",
        "the stopped server",
        "digest",
        plan,
      );
      db.prepare("INSERT INTO ledger_entries (ledger, start, count, entry) VALUES (?, ?, ?, ?)").run(
        "running",
        ledgerEntry.start,
        ledgerEntry.count,
        serialize(ledgerEntry),
      );
    }
  } finally {
    db.close();
  }
  return path;
}

function schemaVersion(path: string): number {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return (db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version;
  } finally {
    db.close();
  }
}

test("every released migration is as it was released", () => {
  assert.ok(migrations.length >= released.length, "a released migration was removed");
  for (const [index, digest] of released.entries()) {
    const sha = createHash("sha256").update(migrations[index]!).digest("hex");
    assert.equal(
      sha,
      digest,
      `migration ${index + 1} was edited after its release: append a new one instead`,
    );
  }
});

describe("a database file of an older schema", () => {
  for (let version = 1; version < migrations.length; version++) {
    test(`version ${version}: brought to version ${migrations.length}, its jobs intact and usable`, async () => {
      const path = oldDatabase(version);
      await using store = SqliteJobStore.open(path, { now: () => t0 + 60_000 });

      const completed = (await store.get("completed"))!;
      assert.deepEqual(completed, {
        id: "completed",
        type: "task",
        label: "squares",
        state: "completed",
        createdAt: iso(t0),
        startedAt: iso(t0 + 1000),
        finishedAt: iso(t0 + 5000),
        progress: { done: 1500, total: 1500, rate: 300 },
        summary: { entries: 1500 },
        resultEntries: 1500,
        definition: squares,
      });
      assert.deepEqual(await store.results("completed", 995, 10), {
        total: 1500,
        entries: completedEntries.slice(995, 1005),
      });
      assert.equal(await store.clientOf("running"), "b");
      assert.equal(await store.activeCount("a"), 1);

      // What the server left running and queued is taken over, as after any stop: the running job
      // runs again from its ledger's chunks (none before version 2), the queued one stays queued.
      const recovery = await store.recover(() => undefined);
      assert.deepEqual(recovery, { queued: ["running", "queued"], resumed: 1, interrupted: 0 });
      assert.deepEqual(
        await store.ledgers.claim("running", plan, "digest"),
        version >= 2 ? [ledgerEntry] : [],
      );
      for (const id of ["running", "queued"]) {
        await store.start(id);
        assert.deepEqual(await store.renew([id]), [id], "the job's lease is held and renewed");
        await store.complete(id, { value: 3.14 });
        assert.equal((await store.get(id))!.state, "completed");
      }
      assert.equal(await store.ledgers.read("running"), undefined, "a completed job's ledger goes with it");
      const added = await store.create(pi, "pi", "a");
      assert.deepEqual(
        (await store.list()).map((job) => job.id),
        [added.id, "queued", "running", "completed"],
      );
      await store.close();
      assert.equal(schemaVersion(path), migrations.length);
    });
  }
});
