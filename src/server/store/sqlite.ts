// SQLite as the job store uses it (node:sqlite): the file opened with its lock and pragmas, the
// schema's migrations, typed prepared statements, write transactions, and JSON in and out.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { WeftError } from "../../errors.ts";
import { isLocked } from "./errors.ts";

/**
 * How long a statement waits for a lock another connection holds, in ms. Short: every call blocks
 * the server's thread, and once open the store holds its file's lock itself, so only a program
 * that opened the file first (a backup, a sqlite3 shell) can make it wait.
 */
const busyTimeoutMs = 250;

/**
 * Each entry moves the schema from version i to i + 1 (`PRAGMA user_version` holds the version).
 * Append new versions; never edit a released one, or databases already past it miss the change.
 */
export const migrations: readonly string[] = [
  `CREATE TABLE jobs (
     id TEXT PRIMARY KEY,
     type TEXT NOT NULL,
     label TEXT NOT NULL,
     client TEXT NOT NULL,
     state TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     started_at INTEGER,
     finished_at INTEGER,
     progress_done REAL NOT NULL DEFAULT 0,
     progress_total REAL,
     progress_rate REAL NOT NULL DEFAULT 0,
     summary TEXT,
     error TEXT,
     result_entries INTEGER,
     resubmitted_from TEXT,
     definition TEXT NOT NULL
   );
   CREATE INDEX jobs_by_created_at ON jobs (created_at);
   CREATE INDEX jobs_by_state ON jobs (state, created_at);
   CREATE INDEX jobs_by_client ON jobs (client, created_at);
   CREATE INDEX active_jobs_by_client ON jobs (client) WHERE state IN ('queued', 'running');
   CREATE TABLE result_rows (
     job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
     first_entry INTEGER NOT NULL,
     entries TEXT NOT NULL,
     PRIMARY KEY (job_id, first_entry)
   );`,
  // Resumable jobs' ledgers (store/ledgers.ts): a job's plan, the process that owns it, and one row
  // per settled chunk.
  `CREATE TABLE ledgers (
     name TEXT PRIMARY KEY,
     owner TEXT NOT NULL,
     digest TEXT NOT NULL,
     plan BLOB NOT NULL
   );
   CREATE TABLE ledger_entries (
     ledger TEXT NOT NULL REFERENCES ledgers (name) ON DELETE CASCADE,
     start INTEGER NOT NULL,
     count INTEGER NOT NULL,
     entry BLOB NOT NULL,
     PRIMARY KEY (ledger, start)
   );`,
  // Who runs a running job, and until when (job-store.ts): the process that started it, whose lease
  // the next process on the file takes over.
  `ALTER TABLE jobs ADD COLUMN owner TEXT;
   ALTER TABLE jobs ADD COLUMN lease_expires INTEGER;`,
];

/**
 * Opens (or creates) the database at `path`, or an in-memory one for `":memory:"`, with its schema
 * up to date. A file stays locked by this connection until it closes.
 */
export function openDatabase(path: string): DatabaseSync {
  const inMemory = path === ":memory:";
  let db: DatabaseSync | undefined;
  try {
    if (!inMemory) mkdirSync(dirname(path), { recursive: true });
    db = new DatabaseSync(path);
    // Another connection to the file (a sqlite3 shell, a backup) may hold a lock for a moment:
    // wait for it, briefly, rather than fail at once.
    db.exec(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
    if (!inMemory) {
      // The lock taken by the first read and write below is kept until close: a second server
      // on the same file (which would mark this one's jobs interrupted under it) cannot open
      // it, and no other program can take the write lock from under this one's writes.
      db.exec("PRAGMA locking_mode = EXCLUSIVE");
      // WAL with syncing at checkpoints only (NORMAL) keeps frequent progress updates cheap; a
      // crash of the process still loses no commit, and a power cut at worst the last few.
      db.exec("PRAGMA journal_mode = WAL");
      db.exec("PRAGMA synchronous = NORMAL");
    }
    db.exec("PRAGMA foreign_keys = ON");
    migrate(db);
    return db;
  } catch (error) {
    db?.close();
    if (isLocked(error)) {
      throw new WeftError(
        `the job database ${path} is in use by another process (another weft serve on the same file?): ` +
          `stop it, or give this server a file of its own (--db)`,
        { cause: error },
      );
    }
    throw new WeftError(`could not open the job database ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function migrate(db: DatabaseSync): void {
  // One transaction, so a failed migration leaves the database as it was; the version is read
  // inside it, so a second process opening the same new file waits and then finds it migrated.
  writeTransaction(db, () => {
    const version = prepare<[], { user_version: number }>(db, "PRAGMA user_version").get()!.user_version;
    if (version > migrations.length) {
      throw new Error(
        `its schema is version ${version}, newer than this weft knows (${migrations.length}): ` +
          `upgrade weft, or start the server on another database file`,
      );
    }
    for (const sql of migrations.slice(version)) db.exec(sql);
    db.exec(`PRAGMA user_version = ${migrations.length}`);
  });
}

/**
 * A prepared statement with the types of its parameters and rows, which node:sqlite leaves loose.
 * The database reads integers as numbers (`readBigInts` is off), so `Row` and `changes` use number.
 */
export interface Statement<Bind extends unknown[], Row> {
  get(...parameters: Bind): Row | undefined;
  all(...parameters: Bind): Row[];
  run(...parameters: Bind): { changes: number };
}

export function prepare<Bind extends unknown[], Row = never>(
  db: DatabaseSync,
  sql: string,
): Statement<Bind, Row> {
  return db.prepare(sql) as unknown as Statement<Bind, Row>;
}

/**
 * Runs `body` in a transaction: committed if it returns, rolled back if it throws. IMMEDIATE takes
 * the write lock at the start, so a body that reads before it writes cannot fail halfway with
 * SQLITE_BUSY because another connection wrote in between.
 */
export function writeTransaction<T>(db: DatabaseSync, body: () => T): T {
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = body();
    db.exec("COMMIT");
    return result;
  } catch (error) {
    try {
      db.exec("ROLLBACK");
    } catch {
      // SQLite already rolled back (it does on errors such as SQLITE_FULL or SQLITE_IOERR): there
      // is nothing to undo, and the error that says why is the one to throw.
    }
    throw error;
  }
}

/** JSON of a value the caller promised is JSON-serializable, or a TypeError saying what is not. */
export function toJson(value: unknown, what: string): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw new TypeError(
      `${what} is not JSON-serializable (${(error as Error).message}): ` +
        `convert BigInt, Map, Set and typed arrays to plain values before storing them`,
      { cause: error },
    );
  }
  if (json === undefined) throw new TypeError(`${what} is not JSON-serializable: it is a ${typeof value}`);
  return json;
}

/** Throws a RangeError unless `value` is a finite number >= 0 (and whole, when asked). */
export function checkNonNegative(what: string, value: number, { whole = false } = {}): void {
  if (Number.isFinite(value) && value >= 0 && (!whole || Number.isInteger(value))) return;
  throw new RangeError(`${what} must be a ${whole ? "whole" : "finite"} number >= 0, got ${value}`);
}

/** `body`'s value as a promise, which rejects with what it throws: a synchronous store behind the async interface. */
export function settle<T>(body: () => T): Promise<T> {
  return new Promise((resolve) => resolve(body()));
}
