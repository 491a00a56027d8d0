// A Parquet row group's rows built a batch at a time from its columns' pages (row-group-columns.ts):
// whatever the pages a column comes in and wherever the batches cut, the rows are the row group's,
// fields in the columns' order, converters applied, a partition's fields in each.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { RowGroupColumns, type Page } from "../../src/runtime/files/row-group-columns.ts";

/** Cuts `values` into pages at the given offsets, handed over in `order` (hyparquet's arrive as they decode). */
function pagesOf(values: readonly unknown[], cuts: readonly number[], reversed: boolean): Page[] {
  const starts = [...new Set([0, ...cuts.map((c) => c % (values.length + 1))])].sort((a, b) => a - b);
  const pages = starts
    .map((start, i) => ({ rowStart: start, data: values.slice(start, starts[i + 1] ?? values.length) }))
    .filter((page) => page.data.length > 0);
  return reversed ? pages.reverse() : pages;
}

test("rows a batch at a time equal the row group's rows, for any pages and any batches", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 200 }),
      fc.array(fc.array(fc.nat(), { maxLength: 6 }), { minLength: 1, maxLength: 4 }),
      fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 }),
      fc.boolean(),
      fc.option(fc.constant({ region: "north" }), { nil: undefined }),
      (rowCount, cutsPerColumn, batchSizes, reversed, fields) => {
        const names = cutsPerColumn.map((_, c) => `c${c}`);
        // Column 0 holds text; the others numbers, and column 1 (if any) is converted, as a decimal is.
        const value = (c: number, row: number) => (c === 0 ? `r${row}` : row * 10 + c);
        const pages = new Map(
          names.map((name, c) => [
            name,
            pagesOf(
              Array.from({ length: rowCount }, (_, row) => value(c, row)),
              cutsPerColumn[c]!,
              reversed,
            ),
          ]),
        );
        const converters = new Map([["c1", (v: unknown) => `#${String(v)}`]]);
        const columns = new RowGroupColumns(7, rowCount, names, pages, converters);
        const built: Record<string, unknown>[] = [];
        for (let at = 0, b = 0; at < rowCount; b++) {
          const to = Math.min(at + batchSizes[b % batchSizes.length]!, rowCount);
          built.push(...columns.rows(at, to, fields));
          at = to;
        }
        const expected = Array.from({ length: rowCount }, (_, row) => ({
          ...Object.fromEntries(
            names.map((name, c) => [name, c === 1 ? `#${value(c, row)}` : value(c, row)]),
          ),
          ...fields,
        }));
        assert.deepEqual(built, expected);
        for (const row of built) assert.deepEqual(Object.keys(row), Object.keys(expected[0] ?? row));
      },
    ),
    { numRuns: 200 },
  );
});

test("a column named __proto__ is a field of the row, not its prototype", () => {
  const pages = new Map([["__proto__", [{ rowStart: 0, data: [{ polluted: true }, null] }]]]);
  const rows = new RowGroupColumns(0, 2, ["__proto__"], pages, new Map()).rows(0, 2);
  assert.equal(Object.getPrototypeOf(rows[0]), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(rows[0], "__proto__")?.value, { polluted: true });
  assert.equal((rows[0] as { polluted?: boolean }).polluted, undefined);
});
