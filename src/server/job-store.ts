// Every job of `weft serve` and its results, in an embedded SQLite database, so that jobs survive a
// restart of the server and a crash shows up as interrupted jobs instead of vanished ones.
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { WeftError } from "../errors.ts";
import type { JobDefinition, JobState, JobView } from "./api-types.ts";

/** A job cannot make the change asked of it in its current state (the API answers 409). */
export class JobStateError extends WeftError {
  override name = "JobStateError";
  readonly jobId: string;
  /** The state the job is in, which does not allow the change. */
  readonly state: JobState;

  constructor(jobId: string, state: JobState, message: string) {
    super(message);
    this.jobId = jobId;
    this.state = state;
  }
}

/** No job in the store has this id (the API answers 404). */
export class JobNotFoundError extends WeftError {
  override name = "JobNotFoundError";
  readonly jobId: string;

  constructor(jobId: string) {
    super(`no job ${jobId} in the job store`);
    this.jobId = jobId;
  }
}

export interface JobStoreOptions {
  /**
   * The clock, in ms since the epoch; tests pass their own.
   * @default Date.now
   */
  readonly now?: () => number;
}

export interface JobListQuery {
  readonly state?: JobState;
  readonly client?: string;
  /**
   * Only jobs created before this time. Pass the `createdAt` of the last job of a page to get the
   * next page: `createdAt` is unique within a store, so no job is skipped or shown twice.
   */
  readonly before?: string;
  /** @default 50 */
  readonly limit?: number;
}

export interface JobResults {
  /** Entries the job stored in all. */
  readonly total: number;
  readonly entries: unknown[];
}

/**
 * Result entries per database row: a large result is few rows, and one page of the API decodes
 * little more than it returns. Rows are keyed by their first entry's index, not a page number, so
 * this can change without a migration.
 */
const entriesPerRow = 1000;

/**
 * Each entry moves the schema from version i to i + 1 (`PRAGMA user_version` holds the version).
 * Append new versions; never edit a released one, or databases already past it miss the change.
 */
const migrations: readonly string[] = [
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
];

const finishedStates: ReadonlySet<JobState> = new Set(["completed", "failed", "cancelled", "interrupted"]);

/** The changes of state, the states each may start from, and what each is called in messages. */
const transitions = {
  start: { verb: "start", from: ["queued"] },
  complete: { verb: "complete", from: ["running"] },
  fail: { verb: "fail", from: ["queued", "running"] },
  cancel: { verb: "cancel", from: ["queued", "running"] },
} as const satisfies Record<string, { verb: string; from: readonly JobState[] }>;
type Transition = keyof typeof transitions;

/** Every column a view needs except the definition, which is large and, for a live job, cached. */
const viewColumns =
  "id, type, label, state, created_at, started_at, finished_at, progress_done, progress_total, " +
  "progress_rate, summary, error, result_entries, resubmitted_from";

interface JobRow {
  id: string;
  type: JobDefinition["type"];
  label: string;
  state: JobState;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  progress_done: number;
  progress_total: number | null;
  progress_rate: number;
  summary: string | null;
  error: string | null;
  result_entries: number | null;
  resubmitted_from: string | null;
}

interface JobRowWithDefinition extends JobRow {
  definition: string;
}

/** Only the filters a list asks for: node:sqlite refuses a parameter its SQL does not name. */
interface ListParameters {
  state?: JobState;
  client?: string;
  before?: number;
  limit: number;
}

/**
 * A prepared statement with the types of its parameters and rows, which node:sqlite leaves loose.
 * The database reads integers as numbers (`readBigInts` is off), so `Row` and `changes` use number.
 */
interface Statement<Bind extends unknown[], Row> {
  get(...parameters: Bind): Row | undefined;
  all(...parameters: Bind): Row[];
  run(...parameters: Bind): { changes: number };
}

function prepare<Bind extends unknown[], Row = never>(db: DatabaseSync, sql: string): Statement<Bind, Row> {
  return db.prepare(sql) as unknown as Statement<Bind, Row>;
}

/**
 * The service's jobs, in SQLite. Every method is synchronous: a call is one short transaction.
 * One process owns a database file at a time: opening it marks every job still queued or running
 * as interrupted.
 *
 * Summaries and result entries are stored as JSON, so they must be JSON-serializable: BigInt
 * throws a TypeError, and Map, Set and typed arrays would silently lose their contents, so convert
 * them to plain values first (`summarize` in summary.ts does).
 */
export class JobStore {
  /** Jobs a previous process left queued or running, marked interrupted by {@link JobStore.open}. */
  readonly interruptedAtOpen: number;

  readonly #db: DatabaseSync;
  /** node:sqlite throws when closing a closed database; closing the store twice is harmless. */
  #closed = false;
  readonly #now: () => number;
  /** Parsed definitions of the jobs still queued or running, so frequent updates skip parsing them. */
  readonly #liveDefinitions = new Map<string, JobDefinition>();
  /** The last `createdAt` handed out; the next is later, even within one ms or if the clock goes back. */
  #lastCreatedAt: number;

  readonly #insert;
  readonly #select;
  readonly #selectDefinition;
  readonly #selectState;
  readonly #selectResultEntries;
  readonly #updates: { readonly [T in Transition]: Statement<[Record<string, SQLInputValue>], JobRow> };
  readonly #updateProgress;
  readonly #listStatements = new Map<string, Statement<[ListParameters], JobRowWithDefinition>>();
  readonly #countByState;
  readonly #activeCount;
  readonly #insertResultRow;
  readonly #resultRows;

  /**
   * Opens (or creates) the database at `path`, or an in-memory one for `":memory:"`, and brings
   * its schema up to date.
   */
  static open(path: string, options: JobStoreOptions = {}): JobStore {
    const inMemory = path === ":memory:";
    let db: DatabaseSync | undefined;
    try {
      if (!inMemory) mkdirSync(dirname(path), { recursive: true });
      db = new DatabaseSync(path);
      // Another connection to the file (a sqlite3 shell, a backup) may hold a lock for a moment:
      // wait for it rather than fail at once.
      db.exec("PRAGMA busy_timeout = 5000");
      if (!inMemory) {
        // In WAL, the API reads while a job's results are written. Syncing at checkpoints only
        // (NORMAL) keeps frequent progress updates cheap; a crash of the process still loses no
        // commit, and a power cut at worst the last few.
        db.exec("PRAGMA journal_mode = WAL");
        db.exec("PRAGMA synchronous = NORMAL");
      }
      db.exec("PRAGMA foreign_keys = ON");
      migrate(db);
      return new JobStore(db, options.now ?? Date.now);
    } catch (error) {
      db?.close();
      throw new WeftError(`could not open the job database ${path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  private constructor(db: DatabaseSync, now: () => number) {
    this.#db = db;
    this.#now = now;

    this.interruptedAtOpen = prepare<[{ now: number }]>(
      db,
      `UPDATE jobs SET state = 'interrupted', finished_at = :now, error =
         'the server stopped while this job was running; resubmit it with POST /api/jobs/' || id || '/resubmit'
       WHERE state IN ('queued', 'running')`,
    ).run({ now: now() }).changes;
    this.#lastCreatedAt =
      prepare<[], { last: number | null }>(db, "SELECT MAX(created_at) AS last FROM jobs").get()!.last ??
      -Infinity;

    this.#insert = prepare<[Record<string, SQLInputValue>], JobRow>(
      db,
      `INSERT INTO jobs (id, type, label, client, state, created_at, resubmitted_from, definition)
       VALUES (:id, :type, :label, :client, 'queued', :createdAt, :resubmittedFrom, :definition)
       RETURNING ${viewColumns}`,
    );
    this.#select = prepare<[string], JobRowWithDefinition>(
      db,
      `SELECT ${viewColumns}, definition FROM jobs WHERE id = ?`,
    );
    this.#selectDefinition = prepare<[string], { definition: string }>(
      db,
      "SELECT definition FROM jobs WHERE id = ?",
    );
    this.#selectState = prepare<[string], { state: JobState }>(db, "SELECT state FROM jobs WHERE id = ?");
    this.#selectResultEntries = prepare<[string], { result_entries: number | null }>(
      db,
      "SELECT result_entries FROM jobs WHERE id = ?",
    );
    const update = (from: readonly JobState[], assignments: string) =>
      prepare<[Record<string, SQLInputValue>], JobRow>(
        db,
        `UPDATE jobs SET ${assignments}
         WHERE id = :id AND state IN (${from.map((state) => `'${state}'`).join(", ")})
         RETURNING ${viewColumns}`,
      );
    this.#updateProgress = update(
      ["running"],
      "progress_done = :done, progress_total = :total, progress_rate = :rate",
    );
    this.#updates = {
      start: update(transitions.start.from, "state = 'running', started_at = :now"),
      complete: update(
        transitions.complete.from,
        "state = 'completed', finished_at = :now, summary = :summary, result_entries = :resultEntries",
      ),
      fail: update(transitions.fail.from, "state = 'failed', finished_at = :now, error = :error"),
      cancel: update(transitions.cancel.from, "state = 'cancelled', finished_at = :now"),
    };
    this.#countByState = prepare<[], { state: JobState; count: number }>(
      db,
      "SELECT state, COUNT(*) AS count FROM jobs GROUP BY state",
    );
    this.#activeCount = prepare<[string], { count: number }>(
      db,
      "SELECT COUNT(*) AS count FROM jobs WHERE client = ? AND state IN ('queued', 'running')",
    );
    this.#insertResultRow = prepare<[string, number, string]>(
      db,
      "INSERT INTO result_rows (job_id, first_entry, entries) VALUES (?, ?, ?)",
    );
    // From the row holding entry `start` up to the one holding entry `end - 1`.
    this.#resultRows = prepare<
      [{ id: string; start: number; end: number }],
      { first: number; entries: string }
    >(
      db,
      `SELECT first_entry AS first, entries FROM result_rows
       WHERE job_id = :id AND first_entry < :end AND first_entry >=
         (SELECT MAX(first_entry) FROM result_rows WHERE job_id = :id AND first_entry <= :start)
       ORDER BY first_entry`,
    );
  }

  /** Records a new job, queued. */
  create(definition: JobDefinition, label: string, client: string, resubmittedFrom?: string): JobView {
    const id = randomUUID();
    this.#lastCreatedAt = Math.max(this.#now(), this.#lastCreatedAt + 1);
    const row = this.#insert.get({
      id,
      type: definition.type,
      label,
      client,
      createdAt: this.#lastCreatedAt,
      resubmittedFrom: resubmittedFrom ?? null,
      definition: toJson(definition, `the definition of job ${id}`),
    })!;
    this.#liveDefinitions.set(id, definition);
    return this.#view(row);
  }

  /** A queued job starts running. */
  start(id: string): JobView {
    return this.#change(id, "start", { id, now: this.#now() });
  }

  /**
   * Records how far a running job got. Cheap: one UPDATE. Progress that arrives after the job
   * stopped running (it was cancelled while a chunk was finishing) is dropped: `undefined`.
   */
  progress(id: string, done: number, total: number | undefined, rate: number): JobView | undefined {
    checkNonNegative(`the progress of job ${id}: done`, done);
    if (total !== undefined) checkNonNegative(`the progress of job ${id}: total`, total);
    checkNonNegative(`the progress of job ${id}: rate`, rate);
    const row = this.#updateProgress.get({ id, done, total: total ?? null, rate });
    if (row) return this.#view(row);
    if (this.#selectState.get(id) === undefined) throw new JobNotFoundError(id);
    return undefined;
  }

  /**
   * A running job finished: its summary (JSON-serializable; `undefined` for none) and, when it has
   * them, its result entries (JSON-serializable), stored in one transaction with the new state.
   */
  complete(id: string, summary: unknown, entries?: readonly unknown[]): JobView {
    const summaryJson = summary === undefined ? null : toJson(summary, `the summary of job ${id}`);
    const rows = entries === undefined ? [] : toResultRows(id, entries);
    const row = writeTransaction(this.#db, () => {
      const resultEntries = entries?.length ?? null;
      const completed = this.#updates.complete.get({
        id,
        now: this.#now(),
        summary: summaryJson,
        resultEntries,
      });
      if (completed) for (const { first, json } of rows) this.#insertResultRow.run(id, first, json);
      return completed;
    });
    return row ? this.#finished(row) : this.#refuse(id, "complete");
  }

  /** A queued or running job failed; `error` says why in one line. */
  fail(id: string, error: string): JobView {
    return this.#change(id, "fail", { id, now: this.#now(), error });
  }

  /** A queued or running job was cancelled. */
  cancel(id: string): JobView {
    return this.#change(id, "cancel", { id, now: this.#now() });
  }

  get(id: string): JobView | undefined {
    const row = this.#select.get(id);
    return row && this.#view(row, row.definition);
  }

  /** Jobs newest first, optionally of one state or client, a page at a time (see `before`). */
  list({ state, client, before, limit = 50 }: JobListQuery = {}): JobView[] {
    checkNonNegative("the limit of a job list", limit, { whole: true });
    const beforeMs = before === undefined ? null : Date.parse(before);
    if (Number.isNaN(beforeMs)) {
      throw new RangeError(`before must be an ISO 8601 time (a job's createdAt), got "${before}"`);
    }
    const filters = [
      ...(state !== undefined ? ["state = :state"] : []),
      ...(client !== undefined ? ["client = :client"] : []),
      ...(beforeMs !== null ? ["created_at < :before"] : []),
    ];
    const rows = this.#listStatement(filters).all({
      ...(state !== undefined && { state }),
      ...(client !== undefined && { client }),
      ...(beforeMs !== null && { before: beforeMs }),
      limit,
    });
    return rows.map((row) => this.#view(row, row.definition));
  }

  /** How many jobs are in each state; every state is present, 0 when none. */
  countByState(): Record<JobState, number> {
    const counts: Record<JobState, number> = {
      queued: 0,
      running: 0,
      completed: 0,
      failed: 0,
      cancelled: 0,
      interrupted: 0,
    };
    for (const { state, count } of this.#countByState.all()) counts[state] = count;
    return counts;
  }

  /** Jobs of this client queued or running. */
  activeCount(client: string): number {
    return this.#activeCount.get(client)!.count;
  }

  /** Up to `limit` of a job's result entries from `offset`, reading only the rows that hold them. */
  results(id: string, offset: number, limit: number): JobResults {
    checkNonNegative(`the results of job ${id}: offset`, offset, { whole: true });
    checkNonNegative(`the results of job ${id}: limit`, limit, { whole: true });
    const stored = this.#selectResultEntries.get(id);
    if (stored === undefined) throw new JobNotFoundError(id);
    const total = stored.result_entries ?? 0;
    const end = Math.min(offset + limit, total);
    if (offset >= end) return { total, entries: [] };
    const rows = this.#resultRows.all({ id, start: offset, end });
    const entries = rows.flatMap((row) => JSON.parse(row.entries) as unknown[]);
    const skipped = offset - rows[0]!.first;
    return { total, entries: entries.slice(skipped, skipped + end - offset) };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #change(
    id: string,
    transition: Exclude<Transition, "complete">,
    parameters: Record<string, SQLInputValue>,
  ): JobView {
    const row = this.#updates[transition].get(parameters);
    if (!row) return this.#refuse(id, transition);
    return transition === "start" ? this.#view(row) : this.#finished(row);
  }

  /** The view of a job that just finished; its definition leaves the cache. */
  #finished(row: JobRow): JobView {
    const view = this.#view(row);
    this.#liveDefinitions.delete(row.id);
    return view;
  }

  #refuse(id: string, transition: Transition): never {
    const state = this.#selectState.get(id)?.state;
    if (state === undefined) throw new JobNotFoundError(id);
    const { verb, from } = transitions[transition];
    const why = finishedStates.has(state) ? `is already ${state}` : `is ${state}, not ${from.join(" or ")}`;
    throw new JobStateError(id, state, `job ${id} ${why}; cannot ${verb} it`);
  }

  #listStatement(filters: readonly string[]) {
    const where = filters.length > 0 ? `WHERE ${filters.join(" AND ")}` : "";
    let statement = this.#listStatements.get(where);
    if (!statement) {
      statement = prepare<[ListParameters], JobRowWithDefinition>(
        this.#db,
        `SELECT ${viewColumns}, definition FROM jobs ${where} ORDER BY created_at DESC LIMIT :limit`,
      );
      this.#listStatements.set(where, statement);
    }
    return statement;
  }

  #view(row: JobRow, definitionJson?: string): JobView {
    const definition =
      this.#liveDefinitions.get(row.id) ??
      (JSON.parse(definitionJson ?? this.#selectDefinition.get(row.id)!.definition) as JobDefinition);
    return {
      id: row.id,
      type: row.type,
      label: row.label,
      state: row.state,
      createdAt: isoTime(row.created_at),
      ...(row.started_at !== null && { startedAt: isoTime(row.started_at) }),
      ...(row.finished_at !== null && { finishedAt: isoTime(row.finished_at) }),
      progress: {
        done: row.progress_done,
        ...(row.progress_total !== null && { total: row.progress_total }),
        rate: row.progress_rate,
      },
      ...(row.summary !== null && { summary: JSON.parse(row.summary) as unknown }),
      ...(row.error !== null && { error: row.error }),
      ...(row.result_entries !== null && { resultEntries: row.result_entries }),
      ...(row.resubmitted_from !== null && { resubmittedFrom: row.resubmitted_from }),
      definition,
    };
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
 * Runs `body` in a transaction: committed if it returns, rolled back if it throws. IMMEDIATE takes
 * the write lock at the start, so a body that reads before it writes cannot fail halfway with
 * SQLITE_BUSY because another connection wrote in between.
 */
function writeTransaction<T>(db: DatabaseSync, body: () => T): T {
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
function toJson(value: unknown, what: string): string {
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

/** The rows of a job's result entries, `entriesPerRow` to a row, as JSON. */
function toResultRows(id: string, entries: readonly unknown[]): { first: number; json: string }[] {
  const rows = [];
  for (let first = 0; first < entries.length; first += entriesPerRow) {
    const slice = entries.slice(first, first + entriesPerRow);
    rows.push({ first, json: toJson(slice, `result entries ${first}.. of job ${id}`) });
  }
  return rows;
}

/** Throws a RangeError unless `value` is a finite number >= 0 (and whole, when asked). */
function checkNonNegative(what: string, value: number, { whole = false } = {}): void {
  if (Number.isFinite(value) && value >= 0 && (!whole || Number.isInteger(value))) return;
  throw new RangeError(`${what} must be a ${whole ? "whole" : "finite"} number >= 0, got ${value}`);
}

function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
