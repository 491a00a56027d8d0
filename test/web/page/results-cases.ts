// The conformance suite's results part as a page runs it: each case starts a pool with `start`, runs
// jobs, and returns what they gave. The page runs every case on web workers; the test runs the same
// cases on the sequential backend in Node.js and requires the same values, encoded alike.
import type { Pool, WeftOptions } from "../../../src/browser/index.ts";
import {
  add,
  double,
  failOn13,
  identity,
  increment,
  isPrime,
  isSmallPrime,
  mergeTallies,
  mod3,
  newCounter,
  one,
  square,
  tally,
  untilAborted,
  wordKey,
  words,
} from "./tasks.ts";

export type Start = (options?: WeftOptions) => Promise<Pool>;

async function* countTo(n: number) {
  for (let i = 0; i < n; i++) {
    await Promise.resolve();
    yield i;
  }
}

async function withPool<T>(start: Start, options: WeftOptions, run: (pool: Pool) => Promise<T>): Promise<T> {
  const pool = await start(options);
  try {
    return await run(pool);
  } finally {
    await pool.close();
  }
}

export const resultsCases: Record<string, (start: Start) => Promise<unknown>> = {
  "range: filter and count, never materialised": (start) =>
    withPool(start, {}, async (pool) => [
      await pool.range(2, 100_000).filter(isPrime).count(),
      await pool.range(0, 1e12, 1e9).count(),
      await pool.range(1, 2, 0.25).collect(),
      await pool.range(5, 5).count(),
    ]),
  "array: map and collect keep input order": (start) =>
    withPool(start, {}, async (pool) => [
      await pool
        .from(Array.from({ length: 5000 }, (_, i) => i))
        .map(square)
        .collect(),
      await pool.from([]).map(square).collect(),
    ]),
  "async tasks are awaited on the worker": (start) =>
    withPool(start, {}, (pool) => pool.from([1, 2, 3]).map(double).collect()),
  "reduce and fold combine on the workers": (start) =>
    withPool(start, {}, async (pool) => [
      await pool.range(0, 10_000).map(square).reduce(add),
      await pool.range(0, 4).reduce(add, 100),
      await pool.range(0, 1000).fold({ n: 0, sum: 0 }, tally, mergeTallies),
      await pool.from([]).fold(0, add, add),
    ]),
  "word count with flatMap and reduceByKey, groupBy": (start) =>
    withPool(start, {}, async (pool) => {
      const lines = Array.from({ length: 3000 }, (_, i) => `the quick ${i % 7} fox the`);
      const counts = await pool.from(lines).flatMap(words).reduceByKey(wordKey, one, add);
      const grouped = await pool.range(0, 20).groupBy(mod3);
      return [[...counts].sort(), [...grouped].sort()];
    }),
  "iterables and async iterables are read as workers need them": (start) =>
    withPool(start, {}, async (pool) => {
      function* gen() {
        for (let i = 0; i < 10_000; i++) yield i;
      }
      return [
        await pool.from(gen()).filter(isPrime).count(),
        await pool.from(countTo(100)).map(square).collect(),
        await pool.from(new Set([3, 1, 2])).collect(),
      ];
    }),
  "typed arrays are read and mapped": (start) =>
    withPool(start, {}, async (pool) => {
      const plain = Int32Array.from({ length: 1000 }, (_, i) => i - 500);
      return [await pool.from(plain).map(square).collect(), await pool.from(plain).reduce(add)];
    }),
  "numbers and booleans come back exactly, -0 and NaN included": (start) =>
    withPool(start, { maxChunk: 50 }, async (pool) => {
      const ints = Array.from({ length: 200 }, (_, i) => (i === 7 ? -0 : i * 1_000_003 - 2 ** 31));
      const doubles = [0.1, -0, NaN, Infinity, -Infinity, 2 ** 53 + 2, 1e-300, ...ints];
      const mixed = [1, "two", true, null, undefined, -0, NaN];
      const back = [];
      for (const values of [ints, doubles, mixed]) back.push(await pool.from(values).map(identity).collect());
      back.push(await pool.range(0, 300).map(isPrime).collect());
      return back;
    }),
  "streaming: ordered by default, or as chunks finish": (start) =>
    withPool(start, { maxChunk: 7 }, async (pool) => {
      const ordered: number[] = [];
      for await (const n of pool.range(0, 500).map(square)) ordered.push(n);
      const unordered: number[] = [];
      for await (const n of pool.range(0, 500).stream({ ordered: false })) unordered.push(n);
      return [ordered, unordered.sort((a, b) => a - b)];
    }),
  "an endless async iterable is read only as far as it is consumed": (start) =>
    withPool(start, { readAhead: 64 }, async (pool) => {
      let produced = 0;
      async function* endless() {
        for (;;) {
          yield ++produced;
          await Promise.resolve();
        }
      }
      const seen: number[] = [];
      for await (const n of pool.from(endless()).map(square)) {
        seen.push(n);
        if (seen.length === 10) break;
      }
      return [seen, produced <= 64 * (1 + 6 * pool.workers)];
    }),
  "futures: submit, dependencies, gather, asCompleted": (start) =>
    withPool(start, {}, async (pool) => {
      const a = pool.submit(add, [1, 2]);
      const b = pool.submit(add, [a, pool.submit(square, [4])]);
      const seen: [number, number][] = [];
      for await (const { index, value } of pool.asCompleted([a, b, pool.submit(double, [21])]))
        seen.push([index, value]);
      return [await b, await pool.gather([a, b]), seen.sort()];
    }),
  "actors keep their state, and their calls run in the order made": (start) =>
    withPool(start, {}, async (pool) => {
      // Closing the pool stops them.
      const counters = await Promise.all([10, 100].map((total) => pool.actor(newCounter, [total])));
      const sums = counters.map((c) => [c.addLater(1, 30), c.add(2), c.addLater(3, 1), c.add(4)]);
      return [
        await Promise.all(sums.map((calls) => pool.gather(calls))),
        await pool.submit(add, [counters[0]!.add(0), 1]),
      ];
    }),
  "perWorker values are set up in each worker and read by its tasks": (start) =>
    withPool(start, {}, (pool) => pool.range(0, 2000).filter(isSmallPrime).count()),
  "many small submits are batched and all settle": (start) =>
    withPool(start, {}, async (pool) => {
      const values = await pool.gather(Array.from({ length: 20_000 }, (_, i) => pool.submit(increment, [i])));
      return [values.length, values.every((v, i) => v === i + 1)];
    }),
  "events: a chunk record per chunk, progress up to the total": (start) =>
    withPool(start, { maxChunk: 100 }, async (pool) => {
      const items: number[] = [];
      const progress: number[] = [];
      const states: string[] = [];
      pool.events.on("chunk", (c) => items.push(c.items));
      pool.events.on("progress", (p) => progress.push(p.done));
      pool.events.on("job", (j) => states.push(j.state));
      await pool.range(0, 1000).map(square).count();
      const inOrder = progress.every((done, i) => i === 0 || done >= progress[i - 1]!);
      return [items.reduce((n, i) => n + i, 0), Math.max(...items) <= 100, progress.at(-1), inOrder, states];
    }),
  "a failing item names its task and item, and the other results are kept": (start) =>
    withPool(start, {}, async (pool) => {
      const failed = await pool
        .range(0, 40)
        .map(failOn13)
        .collect()
        .catch((error: Error) => [error.name, /failed on item 13 \(13\): unlucky 13/.test(error.message)]);
      const settled = await pool.range(10, 16).map(failOn13).options({ errors: "collect" }).collect();
      return [
        failed,
        settled.result,
        settled.failures.map((f) => [f.index, f.preview, f.task.split(" (")[0], f.error.message]),
      ];
    }),
  "a task sees its chunk's signal fire at the deadline": (start) =>
    withPool(start, { graceMs: 5000 }, async (pool) => {
      let restarts = 0;
      pool.events.on("restart", () => restarts++);
      const error = await pool
        .submit(untilAborted, [], { timeout: 100 })
        .catch((e: unknown) => (e as Error).name);
      return [error, restarts];
    }),
};

/** A value as text that tells apart what JSON would merge: -0, NaN, the infinities, undefined, Maps and Sets. */
export function encode(value: unknown): string {
  return JSON.stringify(value, function (key, v: unknown) {
    const raw = (this as Record<string, unknown>)[key];
    if (typeof raw === "number" && !Number.isFinite(raw)) return `#${raw}`;
    if (Object.is(raw, -0)) return "#-0";
    if (raw === undefined) return "#undefined";
    if (raw instanceof Map) return { "#Map": [...raw] };
    if (raw instanceof Set) return { "#Set": [...raw] };
    return v;
  });
}
