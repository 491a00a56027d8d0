// A resumable job's ledger: its plan and the partial result of every chunk it has settled, kept
// outside the process that runs it (on a cluster, in Redis), so that another process can finish the
// job after this one dies: the chunks already done are not run again, and each counts once.
import { OptionError } from "../errors.ts";
import type { LedgerEntry } from "../protocol/ledger.ts";

/** A stretch of input items no entry covers: what a resumed job still has to run. */
export interface InputRun {
  readonly start: number;
  readonly count: number;
}

/** What a job with a ledger is given: the chunks done before, and where to keep the ones it settles. */
export interface JobLedger {
  readonly earlier: readonly LedgerEntry[];
  record(entry: LedgerEntry): void;
}

/** A job's name in its ledger: what `resumable` accepts. */
export function ledgerName(value: unknown): string {
  if (typeof value !== "string" || !/^[\w.-]{1,200}$/.test(value)) {
    throw new OptionError(
      `resumable must name the job: 1 to 200 letters, digits, "_", "." or "-"; got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

const resumableTerminals = "collect, count, reduce, fold, reduceByKey or groupBy (without partitions)";

/** The error for a `resumable` job whose result does not come from merged partials (a stream, a sink, a shuffle). */
export function notResumableTerminal(what: string): OptionError {
  return new OptionError(
    `${what} cannot be resumable: a resumable job ends in ${resumableTerminals}, whose chunks' results the ledger keeps`,
  );
}

/**
 * The stretches of `0..total-1` that `entries` leave uncovered, in input order. Entries that overlap
 * or pass the end mean the ledger is not this job's: counting them would count items twice.
 */
export function remainingRuns(total: number, entries: readonly LedgerEntry[]): InputRun[] {
  const sorted = [...entries].sort((a, b) => a.start - b.start);
  const runs: InputRun[] = [];
  let next = 0;
  for (const { start, count } of sorted) {
    if (start < next || start + count > total) {
      throw new OptionError(
        `the ledger holds a chunk of items ${start}..${start + count - 1} that overlaps another or passes ` +
          `the input's ${total} items: it was not written by this job; remove it and run the job afresh`,
      );
    }
    if (start > next) runs.push({ start: next, count: start - next });
    next = start + count;
  }
  if (next < total) runs.push({ start: next, count: total - next });
  return runs;
}
