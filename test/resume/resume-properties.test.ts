// Properties of resumable jobs, in process: a job whose process died leaves some of its chunks in the
// ledger (any of them, cut any way); run again, it runs exactly the items they leave out, in chunks
// cut any other way, and gives the answer of the same job run whole. The ledger store is kept in
// memory here; test/resume/cluster-resume.test.ts runs the same on a cluster with a SIGKILL.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { SequentialBackend } from "../../src/backends/sequential/sequential-backend.ts";
import { remainingRuns } from "../../src/jobs/ledger.ts";
import { resolveOptions } from "../../src/pool/options.ts";
import { Pool } from "../../src/pool/pool.ts";
import type { Collection } from "../../src/pool/collection.ts";
import type { LedgerStore } from "../../src/protocol/ledger.ts";
import { add, failOn, isPrime, mod3, square } from "../fixtures/tasks.ts";
import { MemoryLedgers } from "../support/memory-ledgers.ts";

const tasksModule = fileURLToPath(new URL("../fixtures/tasks.ts", import.meta.url));

class LedgeredSequential extends SequentialBackend {
  constructor(readonly ledgers: LedgerStore) {
    super();
  }
}

const terminals = {
  collect: (c: Collection<number>) => c.map(square).collect(),
  count: (c: Collection<number>) => c.filter(isPrime).count(),
  reduce: (c: Collection<number>) => c.map(square).reduce(add, 7),
  reduceByKey: (c: Collection<number>) => c.reduceByKey(mod3, square, add),
  groupBy: (c: Collection<number>) => c.filter(isPrime).groupBy(mod3),
};
type TerminalName = keyof typeof terminals;

/** The answer in plain JavaScript, which every run must give. */
function plain(name: TerminalName, items: readonly number[]): unknown {
  const byKey = <V>(values: readonly number[], value: (n: number) => V, merge: (a: V, b: V) => V) => {
    const groups = new Map<number, V>();
    for (const n of values) {
      const k = n % 3;
      groups.set(k, groups.has(k) ? merge(groups.get(k)!, value(n)) : value(n));
    }
    return groups;
  };
  switch (name) {
    case "collect":
      return items.map((n) => n * n);
    case "count":
      return items.filter((n) => isPrime(n)).length;
    case "reduce":
      return items.reduce((a, n) => a + n * n, 7);
    case "reduceByKey":
      return byKey(
        items,
        (n) => n * n,
        (a, b) => a + b,
      );
    case "groupBy":
      return byKey(
        items.filter((n) => isPrime(n)),
        (n) => [n],
        (a, b) => [...a, ...b],
      );
  }
}

const chunkBounds = fc
  .tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 60 }))
  .map(([minChunk, extra]) => ({ minChunk, maxChunk: minChunk + extra }));

describe("a resumable job run again after its process died", () => {
  it("runs exactly the items its ledger lacks and gives the whole job's answer, on any input, chunking and loss", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 300 }),
        fc.constantFrom(...(Object.keys(terminals) as TerminalName[])),
        fc.boolean(),
        chunkBounds,
        chunkBounds,
        fc.array(fc.boolean(), { maxLength: 400 }),
        fc.boolean(),
        async (n, terminal, asArray, firstBounds, secondBounds, kept, byResume) => {
          const store = new MemoryLedgers();
          const pool = Pool.create(new LedgeredSequential(store), resolveOptions({ backend: "sequential" }));
          try {
            const items = Array.from({ length: n }, (_, i) => i * 3 + 1);
            const input = () => (asArray ? pool.from(items) : pool.range(1, 3 * n + 1, 3));
            const run = (bounds: typeof firstBounds) =>
              terminals[terminal](input().chunks(bounds).options({ resumable: "job" }));
            const expected = plain(terminal, items);

            // The first run settles every chunk, and dies before its result is delivered; the writes
            // of some chunks never landed.
            store.keepFinished = true;
            assert.deepEqual(await run(firstBounds), expected);
            store.lose("job", (_, index) => kept[index] ?? false);
            const held = (await store.read("job"))!.done;
            store.keepFinished = false;

            let ran = 0;
            pool.events.on("chunk", (chunk) => (ran += chunk.items));
            const again = byResume
              ? (await pool.resume("job", [tasksModule])).result
              : await run(secondBounds);
            assert.deepEqual(again, expected);
            assert.equal(ran, n - held, "only the items the ledger lacks ran again");
            assert.equal(store.kept.size, 0, "the ledger goes once the result is delivered");
          } finally {
            await pool.close();
          }
        },
      ),
      { seed: 7, numRuns: 120 },
    );
  });

  it("under errors: collect, an item set aside before the resume is reported once, with the rest's result", async () => {
    for (const keep of [(i: number) => i % 2 === 0, (i: number) => i % 2 === 1]) {
      const store = new MemoryLedgers();
      const pool = Pool.create(new LedgeredSequential(store), resolveOptions({ backend: "sequential" }));
      try {
        const run = () =>
          pool
            .range(0, 40)
            .map(failOn)
            .chunks({ maxChunk: 5 })
            .options({ errors: "collect", resumable: "job" })
            .collect();
        store.keepFinished = true;
        await run();
        store.lose("job", (_, index) => keep(index));
        store.keepFinished = false;
        const { result, failures } = await run();
        assert.deepEqual(
          result,
          [...Array(40).keys()].filter((n) => n !== 13),
        );
        assert.deepEqual(
          failures.map((f) => [f.index, f.error.message]),
          [[13, "unlucky 13"]],
        );
      } finally {
        await pool.close();
      }
    }
  });

  it("keeps its ledger when it fails or its pool closes, so that it can be resumed", async () => {
    const store = new MemoryLedgers();
    const pool = Pool.create(new LedgeredSequential(store), resolveOptions({ backend: "sequential" }));
    try {
      await assert.rejects(
        pool.range(0, 40).map(failOn).chunks({ maxChunk: 5 }).options({ resumable: "fails" }).count(),
        /unlucky 13/,
      );
      assert.ok((await store.read("fails"))!.done > 0, "the chunks before the failure are kept");
      const closing = pool
        .range(0, 1000)
        .map(square)
        .chunks({ maxChunk: 1 })
        .options({ resumable: "closed" })
        .count();
      await new Promise((resolve) => setImmediate(resolve));
      await pool.close();
      await assert.rejects(closing);
      assert.ok(store.kept.has("closed"), "a pool that closes mid-job leaves the job resumable");
    } finally {
      await pool.close();
    }
  });

  it("is refused, saying why, where it cannot be resumed", async () => {
    const store = new MemoryLedgers();
    const pool = Pool.create(new LedgeredSequential(store), resolveOptions({ backend: "sequential" }));
    const plainPool = Pool.create(new SequentialBackend(), resolveOptions({ backend: "sequential" }));
    try {
      await assert.rejects(
        plainPool.range(0, 10).map(square).options({ resumable: "x" }).reduce(add),
        /keeps its ledger in a cluster's Redis.*weft\(\{ redis \}\)/,
      );
      await assert.rejects(
        pool
          .from(new Set([1, 2]))
          .map(square)
          .options({ resumable: "x" })
          .reduce(add),
        /must be one another process can read again: a range, an array or a typed array/,
      );
      await assert.rejects(
        pool
          .range(0, 10)
          .map((n: number) => n + 1)
          .options({ resumable: "x" })
          .count(),
        /tasks must come from modules, not inline/,
      );
      await assert.rejects(
        (async () => {
          for await (const _ of pool.range(0, 3).options({ resumable: "x" })) void _;
        })(),
        /a stream cannot be resumable/,
      );
      assert.throws(
        () => pool.range(0, 3).options({ resumable: "no spaces" }),
        /resumable must name the job/,
      );
      await assert.rejects(pool.resume("missing", [tasksModule]), /no job named "missing" is kept/);
      assert.equal(store.kept.size, 0, "no refused job left a ledger");
    } finally {
      await Promise.all([pool.close(), plainPool.close()]);
    }
  });
});

describe("remainingRuns", () => {
  it("leaves exactly the items no entry covers, in order; refuses overlapping entries", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 20 }), { maxLength: 30 }),
        fc.array(fc.boolean()),
        (sizes, keep) => {
          let start = 0;
          const cut = sizes.map((count) => ({
            start: (start += count) - count,
            count,
            partial: null,
            failures: [],
          }));
          const total = start;
          const entries = cut.filter((_, i) => keep[i]);
          const runs = remainingRuns(total, entries);
          const covered = new Array<number>(total).fill(0);
          for (const e of entries) for (let i = e.start; i < e.start + e.count; i++) covered[i]!++;
          for (const r of runs) for (let i = r.start; i < r.start + r.count; i++) covered[i]!++;
          assert.ok(
            covered.every((c) => c === 1),
            "each item once: in an entry or in a run",
          );
          for (let i = 1; i < runs.length; i++)
            assert.ok(runs[i]!.start > runs[i - 1]!.start + runs[i - 1]!.count - 1);
        },
      ),
      { seed: 3, numRuns: 300 },
    );
    const entry = (start: number, count: number) => ({ start, count, partial: null, failures: [] });
    assert.throws(() => remainingRuns(10, [entry(0, 5), entry(4, 2)]), /overlaps another/);
    assert.throws(() => remainingRuns(10, [entry(8, 5)]), /passes the input's 10 items/);
  });
});
