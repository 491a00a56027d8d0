// The job store's SQL, prepared once per database: one typed statement for each thing the store
// reads or changes, so the store itself holds no SQL text beyond its list filters.
import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import type { JobState } from "../api/types.ts";
import { viewColumns, type JobRow, type JobRowWithDefinition } from "./rows.ts";
import { prepare, type Statement } from "./sqlite.ts";

export const finishedStates: ReadonlySet<JobState> = new Set([
  "completed",
  "failed",
  "cancelled",
  "interrupted",
]);
const finishedList = `(${[...finishedStates].map((state) => `'${state}'`).join(", ")})`;

/** The changes of state, the states each may start from, and what each is called in messages. */
export const transitions = {
  start: { verb: "start", from: ["queued"] },
  complete: { verb: "complete", from: ["running"] },
  fail: { verb: "fail", from: ["queued", "running"] },
  cancel: { verb: "cancel", from: ["queued", "running"] },
} as const satisfies Record<string, { verb: string; from: readonly JobState[] }>;
export type Transition = keyof typeof transitions;

type Named = [Record<string, SQLInputValue>];

export type Statements = ReturnType<typeof prepareStatements>;

export function prepareStatements(db: DatabaseSync) {
  /**
   * A change of state from the states given (of a job this process holds, if `held`), returning the
   * job's new view columns.
   */
  const update = (from: readonly JobState[], assignments: string, held = false) =>
    prepare<Named, JobRow>(
      db,
      `UPDATE jobs SET ${assignments}
       WHERE id = :id AND state IN (${from.map((state) => `'${state}'`).join(", ")})
       ${held ? "AND owner = :owner" : ""}
       RETURNING ${viewColumns}`,
    );
  return {
    // One process holds the file: a job another process started was left by one that stopped.
    unfinished: prepare<[{ owner: string }], { id: string; state: "queued" | "running"; definition: string }>(
      db,
      `SELECT id, state, definition FROM jobs
       WHERE state = 'queued' OR (state = 'running' AND (owner IS NULL OR owner != :owner))
       ORDER BY state = 'queued', created_at`,
    ),
    requeue: prepare<[string]>(
      db,
      `UPDATE jobs SET state = 'queued', started_at = NULL, owner = NULL, lease_expires = NULL
       WHERE id = ? AND state = 'running'`,
    ),
    renew: prepare<[{ id: string; owner: string; until: number }], { id: string }>(
      db,
      `UPDATE jobs SET lease_expires = :until
       WHERE id = :id AND state = 'running' AND owner = :owner RETURNING id`,
    ),
    release: prepare<[{ owner: string }]>(
      db,
      "UPDATE jobs SET lease_expires = 0 WHERE state = 'running' AND owner = :owner",
    ),
    interrupt: prepare<[{ id: string; now: number; error: string }]>(
      db,
      `UPDATE jobs SET state = 'interrupted', finished_at = :now, error = :error
       WHERE id = :id AND state IN ('queued', 'running')`,
    ),
    dropLedger: prepare<[string]>(db, "DELETE FROM ledgers WHERE name = ?"),
    dropStaleLedgers: prepare<[]>(
      db,
      "DELETE FROM ledgers WHERE name NOT IN (SELECT id FROM jobs WHERE state IN ('queued', 'running'))",
    ),
    lastCreatedAt: prepare<[], { last: number | null }>(db, "SELECT MAX(created_at) AS last FROM jobs"),
    insert: prepare<Named, JobRow>(
      db,
      `INSERT INTO jobs (id, type, label, client, state, created_at, resubmitted_from, definition)
       VALUES (:id, :type, :label, :client, 'queued', :createdAt, :resubmittedFrom, :definition)
       RETURNING ${viewColumns}`,
    ),
    prune: prepare<[{ cutoff: number; keep: number }]>(
      db,
      `DELETE FROM jobs WHERE state IN ${finishedList} AND (finished_at < :cutoff OR id IN (
         SELECT id FROM jobs WHERE state IN ${finishedList} ORDER BY created_at DESC LIMIT -1 OFFSET :keep))`,
    ),
    select: prepare<[string], JobRowWithDefinition>(
      db,
      `SELECT ${viewColumns}, definition FROM jobs WHERE id = ?`,
    ),
    selectDefinition: prepare<[string], { definition: string }>(
      db,
      "SELECT definition FROM jobs WHERE id = ?",
    ),
    selectState: prepare<[string], { state: JobState; owner: string | null }>(
      db,
      "SELECT state, owner FROM jobs WHERE id = ?",
    ),
    selectResultEntries: prepare<[string], { result_entries: number | null }>(
      db,
      "SELECT result_entries FROM jobs WHERE id = ?",
    ),
    updateProgress: update(
      ["running"],
      "progress_done = :done, progress_total = :total, progress_rate = :rate",
      true,
    ),
    updates: {
      start: update(
        transitions.start.from,
        "state = 'running', started_at = :now, owner = :owner, lease_expires = :until",
      ),
      complete: update(
        transitions.complete.from,
        "state = 'completed', finished_at = :now, summary = :summary, result_entries = :resultEntries",
        true,
      ),
      fail: update(transitions.fail.from, "state = 'failed', finished_at = :now, error = :error"),
      cancel: update(transitions.cancel.from, "state = 'cancelled', finished_at = :now"),
    } satisfies { readonly [T in Transition]: Statement<Named, JobRow> },
    countByState: prepare<[], { state: JobState; count: number }>(
      db,
      "SELECT state, COUNT(*) AS count FROM jobs GROUP BY state",
    ),
    clientOf: prepare<[string], { client: string }>(db, "SELECT client FROM jobs WHERE id = ?"),
    activeCount: prepare<[string], { count: number }>(
      db,
      "SELECT COUNT(*) AS count FROM jobs WHERE client = ? AND state IN ('queued', 'running')",
    ),
    insertResultRow: prepare<[string, number, string]>(
      db,
      "INSERT INTO result_rows (job_id, first_entry, entries) VALUES (?, ?, ?)",
    ),
    // From the row holding entry `start` up to the one holding entry `end - 1`.
    resultRows: prepare<[{ id: string; start: number; end: number }], { first: number; entries: string }>(
      db,
      `SELECT first_entry AS first, entries FROM result_rows
       WHERE job_id = :id AND first_entry < :end AND first_entry >=
         (SELECT MAX(first_entry) FROM result_rows WHERE job_id = :id AND first_entry <= :start)
       ORDER BY first_entry`,
    ),
  };
}
