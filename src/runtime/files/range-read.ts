// What reading a file range yields, whatever its format: batches of items, each with its line, and
// the lines that could not be parsed, in file order.

/** Items read from a range, in order; `line(k)` is item k's line, from 1 at the range's first line. */
export interface RecordBatch {
  readonly items: unknown[];
  readonly line: (offset: number) => number;
}

/** A line (or CSV record) that could not be parsed: it fails like an item whose task threw. */
export interface BadRecord {
  /** What failed, named like a task in error messages. */
  readonly reader: string;
  readonly line: number;
  readonly text: string;
  readonly error: unknown;
}

export type RangeRead = { readonly batch: RecordBatch } | { readonly bad: BadRecord };

/** A batch of `items`, item k from line `lines[k]`. */
export function batchOf(items: unknown[], lines: readonly number[]): RecordBatch {
  return { items, line: (k) => lines[k]! };
}
