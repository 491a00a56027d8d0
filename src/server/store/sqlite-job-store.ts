// The job store in an embedded SQLite database, the default for one `weft serve`: jobs survive a
// restart of the server, SIGKILL included: the jobs a stopped server left are taken over by the next
// one, running again from their ledgers' chunks (store/ledgers.ts) or interrupted with the reason.
import { randomUUID } from "node:crypto";
import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import type { JobDefinition, JobState, JobView } from "../api/types.ts";
import type {
  CannotResume,
  JobListQuery,
  JobResults,
  JobStore,
  JobStoreOptions,
  Recovery,
  Retention,
} from "./job-store.ts";
import type { LedgerStore } from "../../protocol/ledger.ts";
import { JobNotFoundError } from "./errors.ts";
import { defaultLeaseMs } from "./lease.ts";
import { SqliteLedgers } from "./ledgers.ts";
import { refusal, stateCounts } from "./refusal.ts";
import { toResultRows, toView, viewColumns, type JobRow } from "./rows.ts";
import {
  checkNonNegative,
  openDatabase,
  prepare,
  settle,
  toJson,
  writeTransaction,
  type Statement,
} from "./sqlite.ts";
import { prepareStatements, type Statements, type Transition } from "./statements.ts";

/** Only the filters a list asks for: node:sqlite refuses a parameter its SQL does not name. */
interface ListParameters {
  state?: JobState;
  client?: string;
  before?: number;
  limit: number;
}

/**
 * The service's jobs, in SQLite. node:sqlite is synchronous: each call runs to its end at once and
 * resolves (or rejects) with what it did. One process owns a database file at a time: the store
 * holds an exclusive lock on its file from open to close (a second store on the same file is
 * refused), so jobs it finds queued or running were left by a process that stopped;
 * {@link SqliteJobStore.recover} takes them over.
 */
export class SqliteJobStore implements JobStore {
  readonly owner = randomUUID();
  /** Resumable jobs' ledgers, in the same file, owned by this store's process. */
  readonly ledgers: LedgerStore;

  readonly #db: DatabaseSync;
  readonly #sql: Statements;
  /** node:sqlite throws when closing a closed database; closing the store twice is harmless. */
  #closed = false;
  readonly #now: () => number;
  readonly #leaseMs: number;
  /** The last `createdAt` handed out; the next is later, even within one ms or if the clock goes back. */
  #lastCreatedAt: number;
  readonly #listStatements = new Map<string, Statement<[ListParameters], JobRow>>();

  /**
   * Opens (or creates) the database at `path`, or an in-memory one for `":memory:"`, and brings
   * its schema up to date.
   */
  static open(path: string, options: JobStoreOptions = {}): SqliteJobStore {
    return new SqliteJobStore(openDatabase(path), options.now ?? Date.now, options.leaseMs ?? defaultLeaseMs);
  }

  private constructor(db: DatabaseSync, now: () => number, leaseMs: number) {
    this.#db = db;
    this.#now = now;
    this.#leaseMs = leaseMs;
    this.#sql = prepareStatements(db);
    this.ledgers = new SqliteLedgers(db, this.owner);
    this.#lastCreatedAt = this.#sql.lastCreatedAt.get()!.last ?? -Infinity;
  }

  /**
   * Takes over the jobs a previous process left (it stopped, or was killed): a queued job stays
   * queued; a running one is queued again if `cannotResume` gives no reason (it then runs from the
   * chunks its ledger holds), else it is interrupted with that reason as its error. Ledgers of no
   * unfinished job go. One transaction: a store that cannot record it leaves every job as it was.
   */
  recover(cannotResume: CannotResume, queuedLimit = Infinity): Promise<Recovery> {
    return settle(() => {
      return writeTransaction(this.#db, () => {
        const queued: string[] = [];
        let resumed = 0;
        let interrupted = 0;
        let waiting = 0;
        for (const { id, state, definition } of this.#sql.unfinished.all({ owner: this.owner })) {
          if (state === "queued") {
            if (waiting++ < queuedLimit) queued.push(id);
            continue;
          }
          const reason = cannotResume(id, JSON.parse(definition) as JobDefinition);
          if (reason === undefined) {
            this.#sql.requeue.run(id);
            queued.push(id);
            resumed++;
          } else {
            this.#sql.interrupt.run({ id, now: this.#now(), error: reason });
            interrupted++;
          }
        }
        this.#sql.dropStaleLedgers.run();
        return { queued, resumed, interrupted };
      });
    });
  }

  /** Records a new job, queued. */
  create(
    definition: JobDefinition,
    label: string,
    client: string,
    resubmittedFrom?: string,
  ): Promise<JobView> {
    return settle(() => {
      const id = randomUUID();
      this.#lastCreatedAt = Math.max(this.#now(), this.#lastCreatedAt + 1);
      const row = this.#sql.insert.get({
        id,
        type: definition.type,
        label,
        client,
        createdAt: this.#lastCreatedAt,
        resubmittedFrom: resubmittedFrom ?? null,
        definition: toJson(definition, `the definition of job ${id}`),
      })!;
      return toView(row);
    });
  }

  /** A queued job starts running. */
  start(id: string): Promise<JobView> {
    const now = this.#now();
    return settle(() =>
      this.#change(id, "start", { id, now, owner: this.owner, until: now + this.#leaseMs }),
    );
  }

  renew(ids: readonly string[]): Promise<string[]> {
    const until = this.#now() + this.#leaseMs;
    return settle(() =>
      writeTransaction(this.#db, () =>
        ids.filter((id) => this.#sql.renew.get({ id, owner: this.owner, until }) !== undefined),
      ),
    );
  }

  /** One process holds the file: no other changes its jobs. */
  watch(): Promise<void> {
    return Promise.resolve();
  }

  release(): Promise<void> {
    return settle(() => {
      this.#sql.release.run({ owner: this.owner });
    });
  }

  /**
   * Records how far a running job got. Cheap: one UPDATE. Progress that arrives after the job
   * stopped running (it was cancelled while a chunk was finishing) is dropped: `undefined`.
   */
  progress(id: string, done: number, total: number | undefined, rate: number): Promise<JobView | undefined> {
    return settle(() => {
      checkNonNegative(`the progress of job ${id}: done`, done);
      if (total !== undefined) checkNonNegative(`the progress of job ${id}: total`, total);
      checkNonNegative(`the progress of job ${id}: rate`, rate);
      const row = this.#sql.updateProgress.get({
        id,
        done,
        total: total ?? null,
        rate,
        owner: this.owner,
      });
      if (row) return toView(row);
      if (this.#sql.selectState.get(id) === undefined) throw new JobNotFoundError(id);
      return undefined;
    });
  }

  /**
   * A running job finished: its summary (JSON-serializable; `undefined` for none) and, when it has
   * them, its result entries (JSON-serializable), stored in one transaction with the new state.
   */
  complete(id: string, summary: unknown, entries?: readonly unknown[]): Promise<JobView> {
    return settle(() => {
      const summaryJson = summary === undefined ? null : toJson(summary, `the summary of job ${id}`);
      const rows = entries === undefined ? [] : toResultRows(id, entries);
      const row = writeTransaction(this.#db, () => {
        const resultEntries = entries?.length ?? null;
        const completed = this.#sql.updates.complete.get({
          id,
          owner: this.owner,
          now: this.#now(),
          summary: summaryJson,
          resultEntries,
        });
        if (completed) {
          for (const { first, json } of rows) this.#sql.insertResultRow.run(id, first, json);
          this.#sql.dropLedger.run(id);
        }
        return completed;
      });
      return row ? toView(row) : this.#refuse(id, "complete");
    });
  }

  /** A queued or running job failed; `error` says why in one line. */
  fail(id: string, error: string): Promise<JobView> {
    return settle(() => this.#change(id, "fail", { id, now: this.#now(), error }));
  }

  /** A queued or running job was cancelled. */
  cancel(id: string): Promise<JobView> {
    return settle(() => this.#change(id, "cancel", { id, now: this.#now() }));
  }

  /** A job's view with its definition. */
  get(id: string): Promise<JobView | undefined> {
    return settle(() => {
      const row = this.#sql.select.get(id);
      return row && { ...toView(row), definition: JSON.parse(row.definition) as JobDefinition };
    });
  }

  /** A job's definition, as it was submitted. */
  definition(id: string): Promise<JobDefinition> {
    return settle(() => {
      const row = this.#sql.selectDefinition.get(id);
      if (row === undefined) throw new JobNotFoundError(id);
      return JSON.parse(row.definition) as JobDefinition;
    });
  }

  /**
   * Deletes the finished jobs past `retention` (older than `keepMs`, or beyond the newest
   * `keepJobs`), with their results; returns how many.
   */
  prune({ keepJobs, keepMs }: Retention): Promise<number> {
    return settle(() => {
      checkNonNegative("the jobs to keep", keepJobs, { whole: true });
      checkNonNegative("how long to keep jobs", keepMs);
      return this.#sql.prune.run({ cutoff: this.#now() - keepMs, keep: keepJobs }).changes;
    });
  }

  /** Jobs newest first, optionally of one state or client, a page at a time (see `before`). */
  list({ state, client, before, limit = 50 }: JobListQuery = {}): Promise<JobView[]> {
    return settle(() => {
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
      return rows.map(toView);
    });
  }

  /** How many jobs are in each state; every state is present, 0 when none. */
  countByState(): Promise<Record<JobState, number>> {
    return settle(() => stateCounts(this.#sql.countByState.all()));
  }

  /** The client that submitted job `id`, or undefined if there is no such job. */
  clientOf(id: string): Promise<string | undefined> {
    return settle(() => this.#sql.clientOf.get(id)?.client);
  }

  /** Jobs of this client queued or running. */
  activeCount(client: string): Promise<number> {
    return settle(() => this.#sql.activeCount.get(client)!.count);
  }

  /** Up to `limit` of a job's result entries from `offset`, reading only the rows that hold them. */
  results(id: string, offset: number, limit: number): Promise<JobResults> {
    return settle(() => {
      checkNonNegative(`the results of job ${id}: offset`, offset, { whole: true });
      checkNonNegative(`the results of job ${id}: limit`, limit, { whole: true });
      const stored = this.#sql.selectResultEntries.get(id);
      if (stored === undefined) throw new JobNotFoundError(id);
      const total = stored.result_entries ?? 0;
      const end = Math.min(offset + limit, total);
      if (offset >= end) return { total, entries: [] };
      const rows = this.#sql.resultRows.all({ id, start: offset, end });
      const entries = rows.flatMap((row) => JSON.parse(row.entries) as unknown[]);
      const skipped = offset - rows[0]!.first;
      return { total, entries: entries.slice(skipped, skipped + end - offset) };
    });
  }

  close(): Promise<void> {
    return settle(() => {
      if (this.#closed) return;
      this.#closed = true;
      this.#db.close();
    });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #change(
    id: string,
    transition: Exclude<Transition, "complete">,
    parameters: Record<string, SQLInputValue>,
  ): JobView {
    const row = writeTransaction(this.#db, () => {
      const changed = this.#sql.updates[transition].get(parameters);
      // A job that ended (start is the one change that does not end it) keeps no ledger.
      if (changed && transition !== "start") this.#sql.dropLedger.run(id);
      return changed;
    });
    return row ? toView(row) : this.#refuse(id, transition);
  }

  #refuse(id: string, transition: Transition): never {
    throw refusal(id, transition, this.#sql.selectState.get(id), this.owner);
  }

  #listStatement(filters: readonly string[]) {
    const where = filters.length > 0 ? `WHERE ${filters.join(" AND ")}` : "";
    let statement = this.#listStatements.get(where);
    if (!statement) {
      statement = prepare<[ListParameters], JobRow>(
        this.#db,
        `SELECT ${viewColumns} FROM jobs ${where} ORDER BY created_at DESC LIMIT :limit`,
      );
      this.#listStatements.set(where, statement);
    }
    return statement;
  }
}
