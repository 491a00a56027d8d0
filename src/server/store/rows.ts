// A job as the store's rows hold it, and as the API shows it: the columns a view reads, the view of
// a row, and a result's entries cut into rows.
import type { JobDefinition, JobState, JobView } from "../api/types.ts";
import { toJson } from "./sqlite.ts";

/**
 * Result entries per database row: a large result is few rows, and one page of the API decodes
 * little more than it returns. Rows are keyed by their first entry's index, not a page number, so
 * this can change without a migration.
 */
export const entriesPerRow = 1000;

/** Every column a view needs except the definition, which is large and only a job's own view shows. */
export const viewColumns =
  "id, type, label, state, created_at, started_at, finished_at, progress_done, progress_total, " +
  "progress_rate, summary, error, result_entries, resubmitted_from";

export interface JobRow {
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

export interface JobRowWithDefinition extends JobRow {
  definition: string;
}

/** The view of a job's row, without its definition; absent fields are left out, not null. */
export function toView(row: JobRow): JobView {
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
  };
}

/** The rows of a job's result entries, `entriesPerRow` to a row, as JSON. */
export function toResultRows(id: string, entries: readonly unknown[]): { first: number; json: string }[] {
  const rows = [];
  for (let first = 0; first < entries.length; first += entriesPerRow) {
    const slice = entries.slice(first, first + entriesPerRow);
    rows.push({ first, json: toJson(slice, `result entries ${first}.. of job ${id}`) });
  }
  return rows;
}

function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
