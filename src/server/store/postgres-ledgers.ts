// Resumable jobs' ledgers in the job store's PostgreSQL, for replicas whose jobs run on their own
// threads: the same contract as SQLite's (ledgers.ts) and a cluster's Redis (protocol/ledger.ts).
import type { Pool } from "pg";
import { deserialize, serialize } from "node:v8";
import { OptionError } from "../../errors.ts";
import type { LedgerEntry, LedgerStore } from "../../protocol/ledger.ts";
import { storeFailure, withTransaction } from "./postgres-connection.ts";

/**
 * A replica runs a job only while it holds the job's lease (job-store.ts), so a ledger another
 * replica owns was left by one whose lease lapsed: a claim takes it over. Writes check the owner all
 * the same, so a replica that lost its lease while a chunk was finishing cannot add it to the ledger
 * of the replica that took the job over: no item is counted twice.
 */
export class PostgresLedgers implements LedgerStore {
  readonly #pool: Pool;
  /** This replica, as the owner of the ledgers it claims. */
  readonly #owner: string;

  constructor(pool: Pool, owner: string) {
    this.#pool = pool;
    this.#owner = owner;
  }

  async claim(name: string, plan: Uint8Array, digest: string): Promise<LedgerEntry[]> {
    try {
      return await withTransaction(this.#pool, async (client) => {
        const kept = await client.query<{ digest: string }>(
          "SELECT digest FROM ledgers WHERE name = $1 FOR UPDATE",
          [name],
        );
        if (kept.rows[0] !== undefined && kept.rows[0].digest !== digest) {
          throw new OptionError(
            `a job named "${name}" is kept in the job store's ledgers with another plan (other tasks, input or terminal): ` +
              `give this job another name`,
          );
        }
        await client.query(
          `INSERT INTO ledgers (name, owner, digest, plan) VALUES ($1, $2, $3, $4)
           ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, plan = excluded.plan`,
          [name, this.#owner, digest, Buffer.from(plan)],
        );
        const entries = await client.query<{ entry: Buffer }>(
          "SELECT entry FROM ledger_entries WHERE ledger = $1 ORDER BY start",
          [name],
        );
        return entries.rows.map(({ entry }) => deserialize(entry) as LedgerEntry);
      });
    } catch (error) {
      throw storeFailure(error);
    }
  }

  async read(name: string): Promise<{ plan: Uint8Array; done: number } | undefined> {
    try {
      const { rows } = await this.#pool.query<{ plan: Buffer; done: number | null }>(
        `SELECT plan, (SELECT SUM(count)::float8 FROM ledger_entries WHERE ledger = name) AS done
         FROM ledgers WHERE name = $1`,
        [name],
      );
      const row = rows[0];
      return row && { plan: new Uint8Array(row.plan), done: row.done ?? 0 };
    } catch (error) {
      throw storeFailure(error);
    }
  }

  record(name: string, entry: LedgerEntry): void {
    this.#pool
      .query(
        `INSERT INTO ledger_entries (ledger, start, count, entry)
         SELECT name, $2, $3, $4 FROM ledgers WHERE name = $1 AND owner = $5
         ON CONFLICT (ledger, start) DO UPDATE SET count = excluded.count, entry = excluded.entry`,
        [name, entry.start, entry.count, serialize(entry), this.#owner],
      )
      // A chunk the store could not keep (the database unreachable) runs again after a resume.
      .catch(() => {});
  }

  async drop(name: string): Promise<void> {
    try {
      await this.#pool.query("DELETE FROM ledgers WHERE name = $1 AND owner = $2", [name, this.#owner]);
    } catch (error) {
      throw storeFailure(error);
    }
  }
}
