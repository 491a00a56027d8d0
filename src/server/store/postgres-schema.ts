// The job store's schema in PostgreSQL and how it is brought up to date: numbered migrations, applied
// in one transaction under an advisory lock and recorded in weft_migrations, so replicas starting
// together migrate once (the second waits for the first, then finds nothing left to do).
import type { Pool } from "pg";
import { withTransaction } from "./postgres-connection.ts";

/**
 * The advisory lock the migrations run under: any 64-bit key no other program on the database
 * uses; this one is "weft" in ASCII.
 */
const migrationLock = 0x77656674;

/**
 * Each entry moves the schema from version i to i + 1; weft_migrations records the versions applied.
 * Append new versions; never edit a released one. The columns are SQLite's (sqlite.ts), with times
 * in ms since the epoch, so the two stores read rows the same way (rows.ts).
 */
const migrations: readonly string[] = [
  `CREATE TABLE jobs (
     id TEXT PRIMARY KEY,
     type TEXT NOT NULL,
     label TEXT NOT NULL,
     client TEXT NOT NULL,
     state TEXT NOT NULL,
     created_at BIGINT NOT NULL,
     started_at BIGINT,
     finished_at BIGINT,
     progress_done DOUBLE PRECISION NOT NULL DEFAULT 0,
     progress_total DOUBLE PRECISION,
     progress_rate DOUBLE PRECISION NOT NULL DEFAULT 0,
     summary TEXT,
     error TEXT,
     result_entries INTEGER,
     resubmitted_from TEXT,
     definition TEXT NOT NULL,
     owner TEXT,
     lease_expires BIGINT
   );
   -- Unique: a page's last createdAt is the cursor of the next (job-store.ts), across replicas too.
   CREATE UNIQUE INDEX jobs_by_created_at ON jobs (created_at);
   CREATE INDEX jobs_by_state ON jobs (state, created_at);
   CREATE INDEX jobs_by_client ON jobs (client, created_at);
   CREATE INDEX active_jobs_by_client ON jobs (client) WHERE state IN ('queued', 'running');
   CREATE INDEX running_jobs_by_lease ON jobs (lease_expires) WHERE state = 'running';
   CREATE TABLE result_rows (
     job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
     first_entry INTEGER NOT NULL,
     entries TEXT NOT NULL,
     PRIMARY KEY (job_id, first_entry)
   );
   CREATE TABLE ledgers (
     name TEXT PRIMARY KEY,
     owner TEXT NOT NULL,
     digest TEXT NOT NULL,
     plan BYTEA NOT NULL
   );
   CREATE TABLE ledger_entries (
     ledger TEXT NOT NULL REFERENCES ledgers (name) ON DELETE CASCADE,
     start BIGINT NOT NULL,
     count BIGINT NOT NULL,
     entry BYTEA NOT NULL,
     PRIMARY KEY (ledger, start)
   );`,
];

/** The schema's version once {@link migrate} has run. */
export const schemaVersion = migrations.length;

/**
 * Applies the migrations the database lacks, in one transaction under the advisory lock; throws if
 * the database is at a version newer than this weft knows. Resolves with the versions it applied.
 */
export async function migrate(pool: Pool): Promise<number[]> {
  return withTransaction(pool, async (client) => {
    await client.query("SELECT pg_advisory_xact_lock($1)", [migrationLock]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS weft_migrations (
         version INTEGER PRIMARY KEY,
         applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await client.query<{ version: number | null }>(
      "SELECT MAX(version) AS version FROM weft_migrations",
    );
    const current = rows[0]?.version ?? 0;
    if (current > migrations.length) {
      throw new Error(
        `its schema is version ${current}, newer than this weft knows (${migrations.length}): ` +
          `upgrade weft, or give this server a database of its own`,
      );
    }
    const applied: number[] = [];
    for (const [index, sql] of migrations.entries()) {
      const version = index + 1;
      if (version <= current) continue;
      await client.query(sql);
      await client.query("INSERT INTO weft_migrations (version) VALUES ($1)", [version]);
      applied.push(version);
    }
    return applied;
  });
}
