// Conformance, results: every backend gives the same answers for every source and terminal.
import assert from "node:assert/strict";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { describe, test } from "node:test";
import { weft } from "../../src/index.ts";
import {
  add,
  double,
  identity,
  increment,
  isPrime,
  mergeTallies,
  mod3,
  one,
  square,
  tally,
  wordKey,
  words,
} from "../fixtures/tasks.ts";
import { triple } from "../fixtures/plain-tasks.js";
import { clusterBackend, localBackends } from "../support/backends.ts";
import { checkLeaks } from "../support/leaks.ts";

checkLeaks();

async function* countTo(n: number) {
  for (let i = 0; i < n; i++) {
    await Promise.resolve();
    yield i;
  }
}

for (const { name, options } of [...localBackends, clusterBackend()]) {
  describe(`results on ${name}`, () => {
    test("range: filter and count, never materialised", async () => {
      await using pool = await weft(options);
      assert.equal(await pool.range(2, 100_000).filter(isPrime).count(), 9592);
      assert.equal(await pool.range(0, 1e12, 1e9).count(), 1000);
      assert.deepEqual(await pool.range(1, 2, 0.25).collect(), [1, 1.25, 1.5, 1.75]);
      assert.equal(await pool.range(5, 5).count(), 0);
    });

    test("array: map and collect keep input order", async () => {
      await using pool = await weft(options);
      const input = Array.from({ length: 5000 }, (_, i) => i);
      assert.deepEqual(
        await pool.from(input).map(square).collect(),
        input.map((n) => n * n),
      );
      assert.deepEqual(await pool.from([]).map(square).collect(), []);
    });

    test("async tasks are awaited on the worker", async () => {
      await using pool = await weft(options);
      assert.deepEqual(await pool.from([1, 2, 3]).map(double).collect(), [2, 4, 6]);
    });

    test(".js task modules load as they are", async () => {
      await using pool = await weft(options);
      assert.deepEqual(await pool.from([1, 2]).map(triple).collect(), [3, 6]);
    });

    test("reduce and fold combine on the workers", async () => {
      await using pool = await weft(options);
      assert.equal(await pool.range(0, 10_000).map(square).reduce(add), 333283335000);
      assert.equal(await pool.range(0, 4).reduce(add, 100), 106);
      const fold = await pool.range(0, 1000).fold({ n: 0, sum: 0 }, tally, mergeTallies);
      assert.deepEqual(fold, { n: 1000, sum: 499500 });
      assert.deepEqual(await pool.from([]).fold(0, add, add), 0);
    });

    test("word count with flatMap and reduceByKey", async () => {
      await using pool = await weft(options);
      const lines = Array.from({ length: 3000 }, (_, i) => `the quick ${i % 7} fox the`);
      const counts = await pool.from(lines).flatMap(words).reduceByKey(wordKey, one, add);
      assert.equal(counts.get("the"), 6000);
      assert.equal(counts.get("quick"), 3000);
      assert.equal(counts.get("3"), Math.ceil((3000 - 3) / 7));
      const grouped = await pool.range(0, 20).groupBy(mod3);
      assert.deepEqual(grouped.get(1), [1, 4, 7, 10, 13, 16, 19]);
    });

    test("iterables and async iterables are read as workers need them", async () => {
      await using pool = await weft(options);
      function* gen() {
        for (let i = 0; i < 10_000; i++) yield i;
      }
      assert.equal(await pool.from(gen()).filter(isPrime).count(), 1229);
      assert.deepEqual(
        await pool.from(countTo(100)).map(square).collect(),
        [...Array(100).keys()].map((n) => n * n),
      );
      assert.deepEqual(await pool.from(new Set([3, 1, 2])).collect(), [3, 1, 2]);
    });

    // Without the fix this hung: the interface had ended before anyone listened.
    test(
      "a readline interface loses no line, though it emits lines before the job starts",
      { timeout: 20_000 },
      async () => {
        await using pool = await weft(options);
        const text = Array.from({ length: 5000 }, (_, i) => `line ${i}`).join("\n");
        const lines = createInterface({ input: Readable.from([text]), crlfDelay: Infinity });
        assert.equal(await pool.from(lines).map(words).count(), 5000);
      },
    );

    test("an endless async iterable is read only as far as it is consumed", async () => {
      await using pool = await weft({ ...options, readAhead: 64 });
      let produced = 0;
      async function* endless() {
        for (;;) {
          produced++;
          yield produced;
          await Promise.resolve();
        }
      }
      const seen: number[] = [];
      for await (const n of pool.from(endless()).map(square)) {
        seen.push(n);
        if (seen.length === 10) break;
      }
      assert.deepEqual(seen, [1, 4, 9, 16, 25, 36, 49, 64, 81, 100]);
      // What the design allows: the read-ahead buffer, the chunks in flight (two per worker) and the
      // parts a stream holds before it pauses (four per worker), each at most a buffer's worth.
      const bound = 64 * (1 + 6 * pool.workers);
      assert.ok(produced <= bound, `read ${produced} items for a reader that wanted 10 (bound ${bound})`);
    });

    test("typed arrays: SharedArrayBuffer views are shared, others copied", async () => {
      await using pool = await weft(options);
      const shared = new Float64Array(new SharedArrayBuffer(8 * 10_000)).map((_, i) => i);
      assert.equal(await pool.from(shared).reduce(add), 49995000);
      const plain = Int32Array.from({ length: 1000 }, (_, i) => i - 500);
      assert.deepEqual(
        await pool.from(plain).map(square).collect(),
        [...plain].map((n) => n * n),
      );
    });

    test("numbers and booleans travel packed in typed arrays and come back exactly, -0 and NaN included", async () => {
      await using pool = await weft({ ...options, maxChunk: 50 });
      const ints = Array.from({ length: 200 }, (_, i) => (i === 7 ? -0 : i * 1_000_003 - 2 ** 31));
      const doubles = [0.1, -0, NaN, Infinity, -Infinity, 2 ** 53 + 2, 1e-300, ...ints];
      const mixed = [1, "two", true, null, undefined, -0, NaN];
      for (const values of [ints, doubles, mixed]) {
        // deepEqual compares primitives with Object.is.
        assert.deepEqual(await pool.from(values).map(identity).collect(), values);
      }
      const numbers = Array.from({ length: 300 }, (_, i) => i);
      assert.deepEqual(
        await pool.from(numbers).map(isPrime).collect(),
        numbers.map((n) => isPrime(n)),
      );
    });

    test("streaming: ordered by default, or as chunks finish", async () => {
      await using pool = await weft({ ...options, maxChunk: 7 });
      const ordered: number[] = [];
      for await (const n of pool.range(0, 500).map(square)) ordered.push(n);
      assert.deepEqual(
        ordered,
        [...Array(500).keys()].map((n) => n * n),
      );
      // Calls to next() made at once are answered in turn, as an async generator answers them.
      const reader = pool.range(0, 300).map(square).stream()[Symbol.asyncIterator]();
      // Bounded: a reader that drops a waiting call would otherwise hang the suite.
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("next() calls made at once never settled")), 20_000);
      });
      const calls = await Promise.race([
        Promise.all(Array.from({ length: 302 }, () => reader.next())),
        deadline,
      ]).finally(() => clearTimeout(timer));
      assert.deepEqual(
        calls.map((call) => (call.done ? "done" : call.value)),
        [...[...Array(300).keys()].map((n) => n * n), "done", "done"],
      );
      const unordered: number[] = [];
      for await (const n of pool.range(0, 500).stream({ ordered: false })) unordered.push(n);
      assert.deepEqual(
        unordered.sort((a, b) => a - b),
        [...Array(500).keys()],
      );
    });

    test("inline functions that use only their arguments run on workers", async () => {
      await using pool = await weft(options);
      if (name === "redis") {
        // A cluster worker never runs code that arrived over the network.
        return await assert.rejects(
          pool
            .from([1, 2, 3])
            .map((n: number) => n * 10)
            .collect(),
          /is not a task: this backend runs only tasks defined in modules/,
        );
      }
      assert.deepEqual(
        await pool
          .from([1, 2, 3])
          .map((n: number) => Math.max(n, 2) * 10)
          .collect(),
        [20, 20, 30],
      );
    });

    test("futures: submit, dependencies, gather, asCompleted", async () => {
      await using pool = await weft(options);
      const a = pool.submit(add, [1, 2]);
      const b = pool.submit(add, [a, pool.submit(square, [4])]);
      assert.equal(await b, 19);
      assert.deepEqual(await pool.gather([a, b]), [3, 19]);
      const seen = new Map<number, number>();
      for await (const { index, value } of pool.asCompleted([a, b, pool.submit(double, [21])]))
        seen.set(index, value);
      assert.deepEqual([...seen].sort(), [
        [0, 3],
        [1, 19],
        [2, 42],
      ]);
    });

    test("many small submits are batched and all settle", async () => {
      await using pool = await weft(options);
      const futures = Array.from({ length: 20_000 }, (_, i) => pool.submit(increment, [i]));
      const values = await pool.gather(futures);
      assert.equal(values.length, 20_000);
      assert.ok(values.every((v, i) => v === i + 1));
    });

    test("events: a chunk record per chunk, progress up to the total", async () => {
      await using pool = await weft({ ...options, maxChunk: 100 });
      const chunks: { items: number; worker: number; startedAt: number; endedAt: number }[] = [];
      const progress: number[] = [];
      const states: string[] = [];
      pool.events.on("chunk", (c) => chunks.push(c));
      pool.events.on("progress", (p) => {
        assert.equal(p.total, 1000);
        progress.push(p.done);
      });
      pool.events.on("job", (j) => states.push(j.state));
      await pool.range(0, 1000).map(square).count();
      assert.equal(
        chunks.reduce((n, c) => n + c.items, 0),
        1000,
      );
      assert.ok(chunks.every((c) => c.items <= 100 && c.endedAt >= c.startedAt && c.worker < pool.workers));
      assert.equal(progress.at(-1), 1000);
      assert.deepEqual(
        progress,
        [...progress].sort((a, b) => a - b),
      );
      assert.deepEqual(states, ["started", "completed"]);
    });
  });
}
