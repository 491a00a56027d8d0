// Every job store passes the same suite (store-conformance.ts): SQLite in memory, and PostgreSQL on a
// server of the test's own. Then what only a store shared by replicas does: its migrations run once
// however many replicas start together, and a job's lease decides which replica runs it.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { PostgresJobStore } from "../../src/server/store/postgres-job-store.ts";
import { schemaVersion } from "../../src/server/store/postgres-schema.ts";
import { SqliteJobStore } from "../../src/server/store/sqlite-job-store.ts";
import { checkLeaks } from "../support/leaks.ts";
import { startPostgres, type PostgresServer } from "../support/postgres.ts";
import { manualClock, pi, squares, storeConformance, type ManualClock } from "./store-conformance.ts";

checkLeaks();

describe("the SQLite job store", () => {
  storeConformance((clock = manualClock()) =>
    Promise.resolve(SqliteJobStore.open(":memory:", { now: clock.now })),
  );
});

// One PostgreSQL server for the file (starting one takes seconds), a database for each use.
let server: PostgresServer;
before(async () => {
  server = await startPostgres();
});
after(() => server?.[Symbol.asyncDispose]());

describe("the PostgreSQL job store", () => {
  let url: string;
  before(async () => {
    url = await server.createDatabase("conformance");
  });

  storeConformance(async (clock = manualClock()) => {
    const store = await PostgresJobStore.open(url, { now: clock.now });
    await truncate(url);
    return store;
  });
});

/** Empties every table of the store at `url`: each test starts on an empty store. */
async function truncate(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("TRUNCATE jobs, result_rows, ledgers, ledger_entries");
  } finally {
    await client.end();
  }
}

describe("PostgreSQL shared by replicas", () => {
  /** Two replicas' stores on a new database, on one clock, with a lease of 1 s. */
  async function replicas(name: string, clock: ManualClock) {
    const url = await server.createDatabase(name);
    const open = () => PostgresJobStore.open(url, { now: clock.now, leaseMs: 1000 });
    const [a, b] = await Promise.all([open(), open()]);
    return { url, a, b };
  }

  test("replicas starting together apply each migration once, under the advisory lock", async () => {
    const clock = manualClock();
    const url = await server.createDatabase("migrations");
    const stores = await Promise.all(
      Array.from({ length: 4 }, () => PostgresJobStore.open(url, { now: clock.now })),
    );
    try {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query<{ version: number }>(
          "SELECT version FROM weft_migrations ORDER BY version",
        );
        assert.deepEqual(
          rows.map((row) => row.version),
          Array.from({ length: schemaVersion }, (_, i) => i + 1),
        );
      } finally {
        await client.end();
      }
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  test("a queued job is started by one replica only; the other is refused", async () => {
    const clock = manualClock();
    const { a, b } = await replicas("start-once", clock);
    await using _a = a;
    await using _b = b;
    const job = await a.create(pi, "pi", "c");
    const starts = await Promise.allSettled([a.start(job.id), b.start(job.id)]);
    assert.equal(starts.filter((start) => start.status === "fulfilled").length, 1);
    const refused = starts.find((start) => start.status === "rejected")!;
    assert.match(String(refused.reason), /is running, not queued; cannot start it/);
  });

  test("a lapsed lease is taken over exactly once; the replica that lost it can no longer write the job or its ledger", async () => {
    const clock = manualClock();
    const { a, b } = await replicas("takeover", clock);
    await using _a = a;
    await using _b = b;
    const job = await a.create(squares, "squares", "c");
    const collecting = await a.create(squares, "collecting", "c");
    await a.start(job.id);
    await a.start(collecting.id);
    await a.ledgers.claim(job.id, new Uint8Array([1]), "d");
    a.ledgers.record(job.id, { start: 0, count: 10, partial: 1, failures: [] });

    // Within the lease, nothing is taken over, and renewing keeps it.
    clock.advance(900);
    assert.deepEqual(await a.renew([job.id, collecting.id]), [job.id, collecting.id]);
    clock.advance(900);
    assert.deepEqual(await b.recover(() => undefined), { queued: [], resumed: 0, interrupted: 0 });

    // a stops renewing: past the lease, both replicas look at once, and each job is taken once.
    clock.advance(1001);
    const cannotResume = (id: string) => (id === collecting.id ? "it collects" : undefined);
    const [fromA, fromB] = await Promise.all([a.recover(cannotResume), b.recover(cannotResume)]);
    assert.equal(fromA.resumed + fromB.resumed, 1, "the resumable job is queued again once");
    assert.equal(fromA.interrupted + fromB.interrupted, 1, "the collecting job is interrupted once");
    assert.equal((await b.get(collecting.id))?.error, "it collects");
    assert.equal((await b.get(job.id))?.state, "queued");

    // b runs it now, from the ledger a left; a's late writes change nothing.
    await b.start(job.id);
    assert.deepEqual(await b.ledgers.claim(job.id, new Uint8Array([1]), "d"), [
      { start: 0, count: 10, partial: 1, failures: [] },
    ]);
    assert.deepEqual(await a.renew([job.id]), []);
    assert.equal(await a.progress(job.id, 50, 100, 1), undefined);
    await assert.rejects(
      () => a.complete(job.id, { value: 1 }),
      /is running on another replica, which took it over; cannot complete it/,
    );
    a.ledgers.record(job.id, { start: 10, count: 10, partial: 2, failures: [] });
    b.ledgers.record(job.id, { start: 20, count: 5, partial: 3, failures: [] });
    await new Promise((resolve) => setTimeout(resolve, 200)); // the records are sent without waiting
    assert.deepEqual(await b.ledgers.read(job.id), { plan: new Uint8Array([1]), done: 15 });
    const completed = await b.complete(job.id, { value: 6 });
    assert.equal(completed.state, "completed");
    assert.equal(await b.ledgers.read(job.id), undefined);
  });

  test("each replica is told of the jobs the others create and change, not of its own", async () => {
    const clock = manualClock();
    const { a, b } = await replicas("changes", clock);
    await using _a = a;
    await using _b = b;
    const toldA: string[] = [];
    const toldB: string[] = [];
    await a.watch((id) => toldA.push(id));
    await b.watch((id) => toldB.push(id));
    const job = await a.create(pi, "pi", "c");
    await a.start(job.id);
    await a.progress(job.id, 1, 10, 1); // progress is not told: it comes too often
    await b.cancel(job.id);
    const told = async (list: string[], count: number) => {
      for (let wait = 0; list.length < count && wait < 100; wait++)
        await new Promise((resolve) => setTimeout(resolve, 20));
      return list;
    };
    assert.deepEqual(await told(toldB, 2), [job.id, job.id], "b is told of the create and the start");
    assert.deepEqual(await told(toldA, 1), [job.id], "a is told of the cancel");
  });

  test("a replica that stops releases its leases: another takes its jobs over at once", async () => {
    const clock = manualClock();
    const { a, b } = await replicas("release", clock);
    await using _b = b;
    const job = await a.create(pi, "pi", "c");
    await a.start(job.id);
    assert.deepEqual(await b.recover(() => undefined), { queued: [], resumed: 0, interrupted: 0 });
    await a.release();
    await a.close();
    assert.deepEqual(await b.recover(() => undefined), { queued: [job.id], resumed: 1, interrupted: 0 });
  });

  test("an unreachable database is a StoreFailure, which the API answers with 503", async () => {
    await assert.rejects(
      () => PostgresJobStore.open("postgres://weft:secret@127.0.0.1:1/none"),
      (error: Error) => {
        assert.match(error.message, /could not open the job database postgres:\/\/127\.0\.0\.1:1\/none/);
        assert.ok(!error.message.includes("secret"), "the password is not in the message");
        return true;
      },
    );
  });
});
