// Resumable jobs' ledgers in the job store's SQLite file, for a service whose jobs run on this
// machine's threads: the same contract as a cluster's ledgers in Redis (protocol/ledger.ts), so a
// job the service ran before it stopped, SIGKILL included, runs again from the chunks it settled.
import type { DatabaseSync } from "node:sqlite";
import { deserialize, serialize } from "node:v8";
import { OptionError } from "../../errors.ts";
import type { LedgerEntry, LedgerStore } from "../../protocol/ledger.ts";
import { prepare, writeTransaction } from "./sqlite.ts";

/**
 * One process owns the database file at a time (sqlite.ts keeps it locked from open to close), so a
 * ledger owned by another process than this one was left by a process that has stopped: a claim
 * takes it over. Writes check the owner all the same, so a ledger claimed anew is never written by
 * the run before.
 */
export class SqliteLedgers implements LedgerStore {
  readonly #db: DatabaseSync;
  /** This process, as the owner of the ledgers it claims. */
  readonly #owner: string;
  readonly #sql;

  constructor(db: DatabaseSync, owner: string) {
    this.#db = db;
    this.#owner = owner;
    this.#sql = {
      kept: prepare<[string], { digest: string }>(db, "SELECT digest FROM ledgers WHERE name = ?"),
      claim: prepare<[string, string, string, Uint8Array]>(
        db,
        `INSERT INTO ledgers (name, owner, digest, plan) VALUES (?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, plan = excluded.plan`,
      ),
      entries: prepare<[string], { entry: Uint8Array }>(
        db,
        "SELECT entry FROM ledger_entries WHERE ledger = ? ORDER BY start",
      ),
      plan: prepare<[string], { plan: Uint8Array; done: number | null }>(
        db,
        `SELECT plan, (SELECT SUM(count) FROM ledger_entries WHERE ledger = name) AS done
         FROM ledgers WHERE name = ?`,
      ),
      record: prepare<[string, number, number, Uint8Array, string]>(
        db,
        `INSERT OR REPLACE INTO ledger_entries (ledger, start, count, entry)
         SELECT name, ?2, ?3, ?4 FROM ledgers WHERE name = ?1 AND owner = ?5`,
      ),
      drop: prepare<[string, string]>(db, "DELETE FROM ledgers WHERE name = ? AND owner = ?"),
    };
  }

  claim(name: string, plan: Uint8Array, digest: string): Promise<LedgerEntry[]> {
    return Promise.resolve().then(() =>
      writeTransaction(this.#db, () => {
        const kept = this.#sql.kept.get(name);
        if (kept !== undefined && kept.digest !== digest) {
          throw new OptionError(
            `a job named "${name}" is kept in the job store's ledgers with another plan (other tasks, input or terminal): ` +
              `give this job another name`,
          );
        }
        this.#sql.claim.run(name, this.#owner, digest, plan);
        return this.#sql.entries.all(name).map(({ entry }) => deserialize(entry) as LedgerEntry);
      }),
    );
  }

  read(name: string): Promise<{ plan: Uint8Array; done: number } | undefined> {
    return Promise.resolve().then(() => {
      const row = this.#sql.plan.get(name);
      return row && { plan: row.plan, done: row.done ?? 0 };
    });
  }

  record(name: string, entry: LedgerEntry): void {
    try {
      this.#sql.record.run(name, entry.start, entry.count, serialize(entry), this.#owner);
    } catch {
      // A chunk the store could not keep (a full disk, the store closed) runs again after a resume.
    }
  }

  drop(name: string): Promise<void> {
    return Promise.resolve().then(() => {
      this.#sql.drop.run(name, this.#owner);
    });
  }
}
