// The job store in PostgreSQL, for replicas of `weft serve` that share it: the same jobs, results,
// ledgers and retention as SQLite's, with a lease on every running job so that the jobs of a replica
// that died are taken over, each by one replica only (conditional UPDATEs decide who).
import { randomUUID } from "node:crypto";
import type { Pool, PoolClient } from "pg";
import type { JobDefinition, JobState, JobView } from "../api/types.ts";
import { WeftError } from "../../errors.ts";
import type { LedgerStore } from "../../protocol/ledger.ts";
import { JobNotFoundError } from "./errors.ts";
import type {
  CannotResume,
  JobListQuery,
  JobResults,
  JobStore,
  JobStoreOptions,
  Recovery,
  Retention,
} from "./job-store.ts";
import { defaultLeaseMs } from "./lease.ts";
import { ChangeListener, changesChannel, notifyChange } from "./postgres-changes.ts";
import { connect, isUniqueViolation, storeFailure, withTransaction } from "./postgres-connection.ts";
import { PostgresLedgers } from "./postgres-ledgers.ts";
import { migrate } from "./postgres-schema.ts";
import { refusal, stateCounts } from "./refusal.ts";
import { toResultRows, toView, viewColumns, type JobRow, type JobRowWithDefinition } from "./rows.ts";
import { checkNonNegative, toJson } from "./sqlite.ts";
import { finishedStates, transitions, type Transition } from "./statements.ts";

const finishedList = `(${[...finishedStates].map((state) => `'${state}'`).join(", ")})`;
/** Tries of an insert whose createdAt another replica took at the same moment. */
const createTries = 10;

type Queryable = Pool | PoolClient;

export class PostgresJobStore implements JobStore {
  readonly owner = randomUUID();
  readonly ledgers: LedgerStore;
  readonly #pool: Pool;
  readonly #now: () => number;
  readonly #leaseMs: number;
  readonly #url: string;
  #changes: ChangeListener | undefined;
  #closed = false;

  /**
   * Connects to the database at `url` (postgres://user:password@host:port/database) and brings its
   * schema up to date. Leases are timed on the database server's clock unless `now` is given, so
   * replicas whose own clocks disagree still agree on when a lease expires.
   */
  static async open(url: string, options: JobStoreOptions = {}): Promise<PostgresJobStore> {
    const pool = connect(url);
    try {
      await migrate(pool);
      const now = options.now ?? (await databaseClock(pool));
      return new PostgresJobStore(pool, url, now, options.leaseMs ?? defaultLeaseMs);
    } catch (error) {
      await pool.end();
      const where = url.replace(/\/\/[^@/]*@/, "//");
      throw new WeftError(`could not open the job database ${where}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  private constructor(pool: Pool, url: string, now: () => number, leaseMs: number) {
    this.#pool = pool;
    this.#url = url;
    this.#now = now;
    this.#leaseMs = leaseMs;
    this.ledgers = new PostgresLedgers(pool, this.owner);
  }

  recover(cannotResume: CannotResume, queuedLimit?: number): Promise<Recovery> {
    return this.#transaction(async (client) => {
      // SKIP LOCKED: a replica recovering at the same moment takes the others.
      const expired = await client.query<{ id: string; definition: string }>(
        `SELECT id, definition FROM jobs
         WHERE state = 'running' AND (lease_expires IS NULL OR lease_expires < $1)
         ORDER BY created_at FOR UPDATE SKIP LOCKED`,
        [this.#now()],
      );
      const queued: string[] = [];
      let resumed = 0;
      let interrupted = 0;
      for (const { id, definition } of expired.rows) {
        const reason = cannotResume(id, JSON.parse(definition) as JobDefinition);
        if (reason === undefined) {
          await client.query(
            `UPDATE jobs SET state = 'queued', started_at = NULL, owner = NULL, lease_expires = NULL
             WHERE id = $1 AND state = 'running'`,
            [id],
          );
          await notifyChange(client, this.owner, id);
          queued.push(id);
          resumed++;
        } else {
          await client.query(
            `UPDATE jobs SET state = 'interrupted', finished_at = $2, error = $3
             WHERE id = $1 AND state = 'running'`,
            [id, this.#now(), reason],
          );
          await client.query("DELETE FROM ledgers WHERE name = $1", [id]);
          await notifyChange(client, this.owner, id);
          interrupted++;
        }
      }
      const waiting = await client.query<{ id: string }>(
        "SELECT id FROM jobs WHERE state = 'queued' ORDER BY created_at LIMIT $1",
        [queuedLimit ?? null],
      );
      for (const { id } of waiting.rows) if (!queued.includes(id)) queued.push(id);
      return { queued, resumed, interrupted };
    });
  }

  async create(
    definition: JobDefinition,
    label: string,
    client: string,
    resubmittedFrom?: string,
  ): Promise<JobView> {
    const id = randomUUID();
    const json = toJson(definition, `the definition of job ${id}`);
    for (let attempt = 1; ; attempt++) {
      try {
        // createdAt is unique and increasing, even within one ms, if the clock goes back, and across
        // replicas: a replica that took the same instant at the same moment makes this one try again.
        // The other replicas are told in the same statement, so that a submit is one round trip.
        const { rows } = await this.#pool.query<JobRow>(
          `WITH created AS (
             INSERT INTO jobs (id, type, label, client, state, created_at, resubmitted_from, definition)
             VALUES ($1, $2, $3, $4, 'queued',
               GREATEST($5::bigint, COALESCE((SELECT MAX(created_at) FROM jobs), 0) + 1), $6, $7)
             RETURNING ${viewColumns})
           SELECT created.*, pg_notify('${changesChannel}', $8 || ' ' || created.id) FROM created`,
          [id, definition.type, label, client, this.#now(), resubmittedFrom ?? null, json, this.owner],
        );
        return toView(rows[0]!);
      } catch (error) {
        if (!isUniqueViolation(error) || attempt === createTries) throw storeFailure(error);
      }
    }
  }

  start(id: string): Promise<JobView> {
    const now = this.#now();
    return this.#change(id, "start", "state = 'running', started_at = $2, owner = $3, lease_expires = $4", [
      now,
      this.owner,
      now + this.#leaseMs,
    ]);
  }

  async progress(
    id: string,
    done: number,
    total: number | undefined,
    rate: number,
  ): Promise<JobView | undefined> {
    checkNonNegative(`the progress of job ${id}: done`, done);
    if (total !== undefined) checkNonNegative(`the progress of job ${id}: total`, total);
    checkNonNegative(`the progress of job ${id}: rate`, rate);
    const { rows } = await this.#query<JobRow>(
      `UPDATE jobs SET progress_done = $2, progress_total = $3, progress_rate = $4
       WHERE id = $1 AND state = 'running' AND owner = $5 RETURNING ${viewColumns}`,
      [id, done, total ?? null, rate, this.owner],
    );
    if (rows[0]) return toView(rows[0]);
    if ((await this.#stateOf(this.#pool, id)) === undefined) throw new JobNotFoundError(id);
    return undefined;
  }

  async complete(id: string, summary: unknown, entries?: readonly unknown[]): Promise<JobView> {
    const summaryJson = summary === undefined ? null : toJson(summary, `the summary of job ${id}`);
    const resultRows = entries === undefined ? [] : toResultRows(id, entries);
    // One statement, atomic as a transaction and one round trip: the change, the result's rows,
    // the ledger gone and the others told, all only if the job was running here.
    const { rows } = await this.#query<JobRow>(
      `WITH changed AS (
         UPDATE jobs SET state = 'completed', finished_at = $2, summary = $3, result_entries = $4
         WHERE id = $1 AND state = 'running' AND owner = $5 RETURNING ${viewColumns}
       ), stored AS (
         INSERT INTO result_rows (job_id, first_entry, entries)
         SELECT $1, first, entries FROM unnest($6::integer[], $7::text[]) AS kept (first, entries)
         WHERE EXISTS (SELECT 1 FROM changed)
       ), dropped AS (
         DELETE FROM ledgers WHERE name = $1 AND EXISTS (SELECT 1 FROM changed)
       )
       SELECT changed.*, pg_notify('${changesChannel}', $5 || ' ' || changed.id) FROM changed`,
      [
        id,
        this.#now(),
        summaryJson,
        entries?.length ?? null,
        this.owner,
        resultRows.map((r) => r.first),
        resultRows.map((r) => r.json),
      ],
    );
    const row = rows[0];
    return row ? toView(row) : this.#refuse(id, "complete");
  }

  fail(id: string, error: string): Promise<JobView> {
    return this.#change(id, "fail", "state = 'failed', finished_at = $2, error = $3", [this.#now(), error]);
  }

  cancel(id: string): Promise<JobView> {
    return this.#change(id, "cancel", "state = 'cancelled', finished_at = $2", [this.#now()]);
  }

  async get(id: string): Promise<JobView | undefined> {
    const { rows } = await this.#query<JobRowWithDefinition>(
      `SELECT ${viewColumns}, definition FROM jobs WHERE id = $1`,
      [id],
    );
    const row = rows[0];
    return row && { ...toView(row), definition: JSON.parse(row.definition) as JobDefinition };
  }

  async definition(id: string): Promise<JobDefinition> {
    const { rows } = await this.#query<{ definition: string }>("SELECT definition FROM jobs WHERE id = $1", [
      id,
    ]);
    if (rows[0] === undefined) throw new JobNotFoundError(id);
    return JSON.parse(rows[0].definition) as JobDefinition;
  }

  async prune({ keepJobs, keepMs }: Retention): Promise<number> {
    checkNonNegative("the jobs to keep", keepJobs, { whole: true });
    checkNonNegative("how long to keep jobs", keepMs);
    const { rowCount } = await this.#query(
      `DELETE FROM jobs WHERE state IN ${finishedList} AND (finished_at < $1 OR id IN (
         SELECT id FROM jobs WHERE state IN ${finishedList} ORDER BY created_at DESC OFFSET $2))`,
      [this.#now() - keepMs, keepJobs],
    );
    return rowCount ?? 0;
  }

  async list({ state, client, before, limit = 50 }: JobListQuery = {}): Promise<JobView[]> {
    checkNonNegative("the limit of a job list", limit, { whole: true });
    const beforeMs = before === undefined ? null : Date.parse(before);
    if (Number.isNaN(beforeMs)) {
      throw new RangeError(`before must be an ISO 8601 time (a job's createdAt), got "${before}"`);
    }
    const values: unknown[] = [];
    const filters: string[] = [];
    const filter = (sql: string, value: unknown) => {
      values.push(value);
      filters.push(`${sql} $${values.length}`);
    };
    if (state !== undefined) filter("state =", state);
    if (client !== undefined) filter("client =", client);
    if (beforeMs !== null) filter("created_at <", beforeMs);
    values.push(limit);
    const where = filters.length > 0 ? `WHERE ${filters.join(" AND ")}` : "";
    const { rows } = await this.#query<JobRow>(
      `SELECT ${viewColumns} FROM jobs ${where} ORDER BY created_at DESC LIMIT $${values.length}`,
      values,
    );
    return rows.map(toView);
  }

  async countByState(): Promise<Record<JobState, number>> {
    const { rows } = await this.#query<{ state: JobState; count: number }>(
      "SELECT state, COUNT(*) AS count FROM jobs GROUP BY state",
    );
    return stateCounts(rows);
  }

  async clientOf(id: string): Promise<string | undefined> {
    const { rows } = await this.#query<{ client: string }>("SELECT client FROM jobs WHERE id = $1", [id]);
    return rows[0]?.client;
  }

  async activeCount(client: string): Promise<number> {
    const { rows } = await this.#query<{ count: number }>(
      "SELECT COUNT(*) AS count FROM jobs WHERE client = $1 AND state IN ('queued', 'running')",
      [client],
    );
    return rows[0]!.count;
  }

  async results(id: string, offset: number, limit: number): Promise<JobResults> {
    checkNonNegative(`the results of job ${id}: offset`, offset, { whole: true });
    checkNonNegative(`the results of job ${id}: limit`, limit, { whole: true });
    const stored = await this.#query<{ result_entries: number | null }>(
      "SELECT result_entries FROM jobs WHERE id = $1",
      [id],
    );
    if (stored.rows[0] === undefined) throw new JobNotFoundError(id);
    const total = stored.rows[0].result_entries ?? 0;
    const end = Math.min(offset + limit, total);
    if (offset >= end) return { total, entries: [] };
    const { rows } = await this.#query<{ first: number; entries: string }>(
      `SELECT first_entry AS first, entries FROM result_rows
       WHERE job_id = $1 AND first_entry < $3 AND first_entry >=
         (SELECT MAX(first_entry) FROM result_rows WHERE job_id = $1 AND first_entry <= $2)
       ORDER BY first_entry`,
      [id, offset, end],
    );
    const entries = rows.flatMap((row) => JSON.parse(row.entries) as unknown[]);
    const skipped = offset - rows[0]!.first;
    return { total, entries: entries.slice(skipped, skipped + end - offset) };
  }

  async renew(ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.#query<{ id: string }>(
      `UPDATE jobs SET lease_expires = $3
       WHERE id = ANY($1) AND state = 'running' AND owner = $2 RETURNING id`,
      [ids, this.owner, this.#now() + this.#leaseMs],
    );
    return rows.map((row) => row.id);
  }

  async release(): Promise<void> {
    await this.#query("UPDATE jobs SET lease_expires = 0 WHERE state = 'running' AND owner = $1", [
      this.owner,
    ]);
  }

  async watch(listener: (id: string) => void): Promise<void> {
    await this.#changes?.close();
    this.#changes = new ChangeListener(this.#url, this.owner, listener);
    try {
      await this.#changes.start();
    } catch (error) {
      throw storeFailure(error);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#changes?.close();
    await this.#pool.end();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** A change of state from the states `transition` allows; `assignments` use $2 on, `values` fill them. */
  async #change(
    id: string,
    transition: Exclude<Transition, "complete">,
    assignments: string,
    values: readonly unknown[],
  ): Promise<JobView> {
    const from = transitions[transition].from.map((state) => `'${state}'`).join(", ");
    // One statement, so one round trip: the change, the others told (on commit), and for a change
    // that ends the job (start is the one that does not) its ledger gone.
    const ownerParameter = `$${values.length + 2}`;
    const dropLedger =
      transition === "start"
        ? ""
        : `, dropped AS (DELETE FROM ledgers WHERE name = $1 AND EXISTS (SELECT 1 FROM changed))`;
    const { rows } = await this.#query<JobRow>(
      `WITH changed AS (
         UPDATE jobs SET ${assignments} WHERE id = $1 AND state IN (${from}) RETURNING ${viewColumns}
       )${dropLedger}
       SELECT changed.*, pg_notify('${changesChannel}', ${ownerParameter} || ' ' || changed.id) FROM changed`,
      [id, ...values, this.owner],
    );
    const row = rows[0];
    return row ? toView(row) : this.#refuse(id, transition);
  }

  async #refuse(id: string, transition: Transition): Promise<never> {
    const { rows } = await this.#query<{ state: JobState; owner: string | null }>(
      "SELECT state, owner FROM jobs WHERE id = $1",
      [id],
    );
    throw refusal(id, transition, rows[0], this.owner);
  }

  async #stateOf(db: Queryable, id: string): Promise<JobState | undefined> {
    try {
      const { rows } = await db.query<{ state: JobState }>("SELECT state FROM jobs WHERE id = $1", [id]);
      return rows[0]?.state;
    } catch (error) {
      throw storeFailure(error);
    }
  }

  async #query<Row extends object = never>(sql: string, values: readonly unknown[] = []) {
    try {
      return await this.#pool.query<Row>(sql, values as unknown[]);
    } catch (error) {
      throw storeFailure(error);
    }
  }

  async #transaction<T>(body: (client: PoolClient) => Promise<T>): Promise<T> {
    try {
      return await withTransaction(this.#pool, body);
    } catch (error) {
      throw storeFailure(error);
    }
  }
}

/** The database server's clock, read once and then followed on this machine's. */
async function databaseClock(pool: Pool): Promise<() => number> {
  const before = Date.now();
  const { rows } = await pool.query<{ now: number }>(
    "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now",
  );
  const offset = rows[0]!.now - (before + Date.now()) / 2;
  return () => Math.round(Date.now() + offset);
}
