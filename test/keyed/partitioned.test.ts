// Keyed operations with partitions (reduceByKey, groupBy, distinct, join, sortBy) give what plain
// JavaScript gives over the same input, for any input, partition count, chunk size and worker count,
// on the sequential, threads and processes backends, with a memory budget large enough to hold
// everything and one so small that every chunk spills and every partition is split on disk.
// Seeds are fixed, so a failure replays.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import fc from "fast-check";
import { weft, type Pool } from "../../src/index.ts";
import { add, concat, keyOf, kOf, letterOf, nOf, numberOf, type Row } from "../fixtures/keyed-tasks.ts";
import { runsScaleFromEnv } from "../properties/runs.ts";
import { localBackends } from "../support/backends.ts";

const spill = mkdtempSync(join(tmpdir(), "weft-keyed-test-"));
after(() => rmSync(spill, { recursive: true, force: true }));

/** Rows with keys from a small alphabet (so keys repeat across chunks) and small numbers (so sort keys tie). */
const rowsArb = fc
  .array(
    fc.record({ k: fc.constantFrom("a", "b", "c", "dd", "é", "", "k7"), n: fc.integer({ min: -5, max: 5 }) }),
    {
      maxLength: 120,
    },
  )
  .map((rows) => rows.map((r, at): Row => ({ ...r, at })));
const partitionsArb = fc.integer({ min: 1, max: 9 });
const maxChunkArb = fc.integer({ min: 1, max: 40 });

/** Budgets: one that holds everything, one of a few hundred bytes, under which every chunk spills. */
const budgets = [
  { name: "a large budget", mb: 64 },
  { name: "a tiny budget (spills)", mb: 0.0005 },
];

function plainReduceByKey<V>(
  rows: readonly Row[],
  value: (r: Row) => V,
  combine: (a: V, b: V) => V,
): Map<string, V> {
  const out = new Map<string, V>();
  for (const r of rows) {
    const v = value(r);
    out.set(r.k, out.has(r.k) ? combine(out.get(r.k)!, v) : v);
  }
  return out;
}

function plainGroupBy(rows: readonly Row[]): Map<string, Row[]> {
  const out = new Map<string, Row[]>();
  for (const r of rows) out.set(r.k, [...(out.get(r.k) ?? []), r]);
  return out;
}

/** Pairs as a map, after checking no key came twice. */
function asMap<K, V>(pairs: readonly [K, V][]): Map<K, V> {
  const map = new Map(pairs);
  assert.equal(map.size, pairs.length, "a key came back twice");
  return map;
}

const sortKey = (a: Row, b: Row) => a.at - b.at;

for (const backend of localBackends) {
  for (const budget of budgets) {
    describe(`keyed operations with partitions on ${backend.name}, ${budget.name}`, () => {
      let pool: Promise<Pool> | undefined;
      const poolOf = () =>
        (pool ??= weft({ ...backend.options, memoryBudgetMb: budget.mb, spillDirectory: spill }));
      after(async () => (await pool)?.close());
      const runs = Math.ceil((backend.name === "processes" ? 6 : 15) * runsScaleFromEnv);
      const params = (seed: number) => ({ seed, numRuns: runs, includeErrorInReport: true });

      it("reduceByKey equals a plain fold per key, combining in input order", async () => {
        await fc.assert(
          fc.asyncProperty(rowsArb, partitionsArb, maxChunkArb, async (rows, partitions, maxChunk) => {
            const input = (await poolOf()).from(rows).chunks({ maxChunk });
            const sums = await input.reduceByKey(keyOf, numberOf, add, { partitions }).collect();
            assert.deepEqual(
              asMap(sums),
              plainReduceByKey(
                rows,
                (r) => r.n,
                (a, b) => a + b,
              ),
            );
            const words = await input.reduceByKey(keyOf, letterOf, concat, { partitions }).collect();
            const letter = (r: Row) => String.fromCharCode(97 + (r.at % 26));
            assert.deepEqual(
              asMap(words),
              plainReduceByKey(rows, letter, (a, b) => a + b),
            );
          }),
          params(1501),
        );
      });

      it("groupBy equals plain grouping, each group in input order", async () => {
        await fc.assert(
          fc.asyncProperty(rowsArb, partitionsArb, maxChunkArb, async (rows, partitions, maxChunk) => {
            const groups = await (
              await poolOf()
            )
              .from(rows)
              .chunks({ maxChunk })
              .groupBy(keyOf, { partitions })
              .collect();
            assert.deepEqual(asMap(groups), plainGroupBy(rows));
          }),
          params(1502),
        );
      });

      it("distinct keeps the first item of each key, and distinct() of plain values their set", async () => {
        await fc.assert(
          fc.asyncProperty(rowsArb, partitionsArb, maxChunkArb, async (rows, partitions, maxChunk) => {
            const input = (await poolOf()).from(rows).chunks({ maxChunk });
            const firsts = await input.distinct(keyOf, { partitions }).collect();
            const expected = [...plainGroupBy(rows).values()].map((group) => group[0]!);
            assert.deepEqual([...firsts].sort(sortKey), expected.sort(sortKey));
            const values = await input.map(nOf).distinct(undefined, { partitions }).collect();
            assert.deepEqual(
              [...values].sort((a, b) => a - b),
              [...new Set(rows.map((r) => r.n))].sort((a, b) => a - b),
            );
          }),
          params(1503),
        );
      });

      it("join pairs every left item with every right item of the same key", async () => {
        await fc.assert(
          fc.asyncProperty(
            rowsArb,
            rowsArb,
            partitionsArb,
            maxChunkArb,
            async (left, right, partitions, maxChunk) => {
              const p = await poolOf();
              const pairs = await p
                .from(left)
                .chunks({ maxChunk })
                .join(p.from(right), kOf, kOf, { partitions })
                .collect();
              const expected: [string, [Row, Row]][] = [];
              for (const a of left) for (const b of right) if (a.k === b.k) expected.push([a.k, [a, b]]);
              const order = (x: [string, [Row, Row]], y: [string, [Row, Row]]) =>
                x[1][0].at - y[1][0].at || x[1][1].at - y[1][1].at;
              assert.deepEqual([...pairs].sort(order), expected.sort(order));
            },
          ),
          params(1504),
        );
      });

      it("sortBy equals a plain stable sort, ascending and descending, on number and string keys", async () => {
        await fc.assert(
          fc.asyncProperty(rowsArb, partitionsArb, maxChunkArb, async (rows, partitions, maxChunk) => {
            const input = (await poolOf()).from(rows).chunks({ maxChunk });
            const byN = await input.sortBy(nOf, { partitions }).collect();
            assert.deepEqual(
              byN,
              [...rows].sort((a, b) => a.n - b.n),
            );
            const byKDescending = await input.sortBy(kOf, { partitions, descending: true }).collect();
            assert.deepEqual(
              byKDescending,
              [...rows].sort((a, b) => (a.k < b.k ? 1 : a.k > b.k ? -1 : 0)),
            );
          }),
          params(1505),
        );
      });

      it("leaves nothing in the spill directory", () => {
        assert.deepEqual(readdirSync(spill), []);
      });
    });
  }
}
