// Every collection operation, over every kind of source and any chunk bounds, equals plain JS on every
// backend: sequential, threads, processes, and redis (a cluster of two `weft worker` processes that this
// file starts, serving test/fixtures/*: every task here is a module task, as a cluster requires).
//
// Runs per property, proportional to what a run costs: sequential and threads 20, processes 10,
// redis 5. Seeds are fixed, so a failure replays. For a nightly-size run, set WEFT_PROPERTY_RUNS to a
// multiplier of those counts (WEFT_PROPERTY_RUNS=10: 200, 200, 100 and 50); test/properties/faults.test.ts
// reads the same variable.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { liveProcessCount } from "../../src/backends/processes/processes-backend.ts";
import { liveThreadCount } from "../../src/backends/threads/threads-backend.ts";
import {
  EmptyReduceError,
  OptionError,
  weft,
  type BackendName,
  type ChunkBounds,
  type Collection,
  type Pool,
  type WeftOptions,
} from "../../src/index.ts";
import {
  addSometimesAsync,
  append,
  concat,
  copies,
  copiesLazily,
  mod3,
  numberOrText,
  singleton,
  squareSometimesAsync,
  squareUnlessFive,
} from "../fixtures/property-tasks.ts";
import { add, identity, isPrime, one, square } from "../fixtures/tasks.ts";
import { clusterBackend } from "../support/backends.ts";
import { runsScaleFromEnv } from "./runs.ts";

const scale = runsScaleFromEnv;

const cluster = clusterBackend();

interface BackendUnderTest {
  readonly name: BackendName;
  /** Runs of each property on this backend, before WEFT_PROPERTY_RUNS multiplies them. */
  readonly runs: number;
  /** One pool per worker count (on a cluster, chunks in flight at once): starting workers is slow. */
  readonly workerCounts: readonly number[];
  /** A function: the cluster's address is known only once it is up. */
  options(workers: number): WeftOptions;
}

const backends: readonly BackendUnderTest[] = [
  { name: "sequential", runs: 20, workerCounts: [1], options: () => ({ backend: "sequential" }) },
  {
    name: "threads",
    runs: 20,
    workerCounts: [1, 2, 3, 4],
    options: (workers) => ({ backend: "threads", workers }),
  },
  {
    name: "processes",
    runs: 10,
    workerCounts: [1, 2, 3],
    options: (workers) => ({ backend: "processes", workers }),
  },
  {
    name: "redis",
    runs: 5,
    workerCounts: [1, 2, 4],
    options: (workers) => ({ ...cluster.options, workers }),
  },
];

/** One generated input: its items as plain JS sees them, and a fresh collection over them in a pool. */
interface Input<T> {
  readonly items: readonly T[];
  open(pool: Pool): Collection<T>;
}

const valuesArb = fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 60 });

function* syncItems<T>(items: readonly T[]): Generator<T> {
  yield* items;
}

async function* asyncItems<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) {
    // Some items arrive on a later turn, so the stream offers them in several bursts.
    if (item === items[0] || (typeof item === "number" && item % 4 === 0)) await Promise.resolve();
    yield item;
  }
}

function listInput<T>(items: readonly T[], kind: "array" | "generator" | "async generator"): Input<T> {
  return {
    items,
    // Generators are read once: every run needs a new one.
    open: (pool) =>
      kind === "array"
        ? pool.from(items)
        : pool.from(kind === "generator" ? syncItems(items) : asyncItems(items)),
  };
}

/** The numbers `from, from + step, ...` below `to`, written the obvious way. */
function rangeItems(from: number, to: number, step: number): number[] {
  const items: number[] = [];
  for (let i = 0; from + i * step < to; i++) items.push(from + i * step);
  return items;
}

const numberSources: Record<string, fc.Arbitrary<Input<number>>> = {
  array: valuesArb.map((items) => listInput(items, "array")),
  range: fc
    .record({
      from: fc.integer({ min: -100, max: 100 }),
      span: fc.integer({ min: 1, max: 200 }),
      step: fc.integer({ min: 1, max: 7 }),
    })
    .map(({ from, span, step }) => ({
      items: rangeItems(from, from + span, step),
      open: (pool: Pool) => pool.range(from, from + span, step),
    })),
  generator: valuesArb.map((items) => listInput(items, "generator")),
  "async generator": valuesArb.map((items) => listInput(items, "async generator")),
  Int32Array: valuesArb.map((items) => ({ items, open: (pool: Pool) => pool.from(Int32Array.from(items)) })),
  "Int32Array on a SharedArrayBuffer": valuesArb.map((items) => ({
    items,
    open: (pool: Pool) => {
      const shared = new Int32Array(new SharedArrayBuffer(items.length * Int32Array.BYTES_PER_ELEMENT));
      shared.set(items);
      return pool.from(shared);
    },
  })),
};

const boundsArb: fc.Arbitrary<ChunkBounds> = fc
  .tuple(fc.integer({ min: 1, max: 10 }), fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }))
  .map(([minChunk, extra]) => ({ minChunk, maxChunk: extra === undefined ? Infinity : minChunk + extra }));

/** Expected outcome of `reduce` without an initial value on nothing. */
const emptyReduce = Symbol("EmptyReduceError");

interface Operation {
  /** `open()` makes a fresh collection over the same input (a generator can be read only once). */
  run(open: () => Collection<number>): Promise<unknown>;
  expected(items: readonly number[]): unknown;
}

async function drain<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) out.push(item);
  return out;
}

const byNumber = (a: number, b: number) => a - b;

function groupsOf<K, V>(items: readonly number[], key: (n: number) => K, value: (n: number) => V) {
  const groups = new Map<K, V[]>();
  for (const n of items) {
    const k = key(n);
    groups.set(k, [...(groups.get(k) ?? []), value(n)]);
  }
  return groups;
}

const operations: Record<string, Operation> = {
  "map + collect": {
    run: (open) => open().map(square).collect(),
    expected: (items) => items.map((n) => square(n)),
  },
  "map to numbers, -0 and text, collect": {
    run: (open) => open().map(numberOrText).collect(),
    expected: (items) => items.map((n) => numberOrText(n)),
  },
  "map async now and then, collect": {
    run: (open) => open().map(squareSometimesAsync).collect(),
    expected: (items) => items.map((n) => square(n)),
  },
  "filter + collect": {
    run: (open) => open().filter(isPrime).collect(),
    expected: (items) => items.filter((n) => isPrime(n)),
  },
  "filter + count": {
    run: (open) => open().filter(isPrime).count(),
    expected: (items) => items.filter((n) => isPrime(n)).length,
  },
  "flatMap + collect": {
    run: (open) => open().flatMap(copies).collect(),
    expected: (items) => items.flatMap((n) => copies(n)),
  },
  "flatMap to a generator, filter, collect": {
    run: (open) => open().flatMap(copiesLazily).filter(isPrime).collect(),
    expected: (items) => items.flatMap((n) => copies(n)).filter((n) => isPrime(n)),
  },
  "flatMap, map async now and then, fold keeps input order": {
    run: (open) =>
      open()
        .flatMap(copies)
        .map(squareSometimesAsync)
        .fold<number[]>([], append, (a, b) => a.concat(b)),
    expected: (items) => items.flatMap((n) => copies(n)).map((n) => square(n)),
  },
  "flatMap to a generator, map async now and then, collect": {
    run: (open) => open().flatMap(copiesLazily).map(squareSometimesAsync).collect(),
    expected: (items) => items.flatMap((n) => copies(n)).map((n) => square(n)),
  },
  "flatMap twice, the fold's step async now and then": {
    run: (open) =>
      open()
        .flatMap(copies)
        .flatMap(copiesLazily)
        .fold(0, addSometimesAsync, (a: number, b: number) => a + b),
    expected: (items) =>
      items
        .flatMap((n) => copies(n))
        .flatMap((n) => copies(n))
        .reduce((a, b) => add(a, b), 0),
  },
  "flatMap, reduceByKey": {
    run: (open) => open().flatMap(copies).reduceByKey(mod3, square, add),
    expected: (items) =>
      new Map(
        [
          ...groupsOf(
            items.flatMap((n) => copies(n)),
            mod3,
            square,
          ),
        ].map(([k, vs]) => [k, vs.reduce((a, b) => a + b)]),
      ),
  },
  "reduce without initial": {
    run: (open) => open().reduce(add),
    expected: (items) => (items.length === 0 ? emptyReduce : items.reduce((a, b) => add(a, b))),
  },
  "reduce with initial": {
    run: (open) => open().reduce(add, 7),
    expected: (items) => items.reduce((a, b) => add(a, b), 7),
  },
  "reduce keeps input order": {
    run: (open) => open().map(singleton).reduce(concat),
    expected: (items) => (items.length === 0 ? emptyReduce : [...items]),
  },
  "fold keeps input order": {
    run: (open) => open().fold<number[]>([], append, (a, b) => a.concat(b)),
    expected: (items) => [...items],
  },
  "fold, the step async now and then": {
    run: (open) => open().fold(0, addSometimesAsync, (a: number, b: number) => a + b),
    expected: (items) => items.reduce((a, b) => add(a, b), 0),
  },
  "map async now and then, filter, count": {
    run: (open) => open().map(squareSometimesAsync).filter(isPrime).count(),
    expected: (items) => items.map((n) => square(n)).filter((n) => isPrime(n)).length,
  },
  reduceByKey: {
    run: (open) => open().reduceByKey(mod3, square, add),
    expected: (items) =>
      new Map([...groupsOf(items, mod3, square)].map(([k, vs]) => [k, vs.reduce((a, b) => a + b)])),
  },
  groupBy: {
    run: (open) => open().groupBy(mod3),
    expected: (items) => groupsOf(items, mod3, (n) => n),
  },
  "map async now and then, 5 items at once per worker": {
    run: (open) => open().map(squareSometimesAsync).options({ concurrency: 5 }).collect(),
    expected: (items) => items.map((n) => square(n)),
  },
  "map async now and then, 3 at once, reduce keeps input order": {
    run: (open) => open().map(squareSometimesAsync).map(singleton).options({ concurrency: 3 }).reduce(concat),
    expected: (items) => (items.length === 0 ? emptyReduce : items.map((n) => square(n))),
  },
  "map async now and then, flatMap, filter, 7 at once, count": {
    run: (open) =>
      open().map(squareSometimesAsync).flatMap(copies).filter(isPrime).options({ concurrency: 7 }).count(),
    expected: (items) =>
      items
        .map((n) => square(n))
        .flatMap((n) => copies(n))
        .filter((n) => isPrime(n)).length,
  },
  "for await, ordered": {
    async run(open) {
      const streamed = await drain(open().map(square));
      assert.deepEqual(
        streamed,
        await open().map(square).collect(),
        "streamed in order differs from collect()",
      );
      return streamed;
    },
    expected: (items) => items.map((n) => square(n)),
  },
  "stream({ ordered: false })": {
    run: async (open) => (await drain(open().map(square).stream({ ordered: false }))).sort(byNumber),
    expected: (items) => items.map((n) => square(n)).sort(byNumber),
  },
  "stream under collect: each item its result or its failure, in order": {
    run: async (open) =>
      (await drain(open().map(squareUnlessFive).options({ errors: "collect" }).stream())).map((item) =>
        "failure" in item ? { index: item.index, failed: item.failure.index } : item,
      ),
    expected: (items) =>
      items.map((n, index) => (n % 5 === 0 ? { index, failed: index } : { index, value: n * n })),
  },
};

async function check<T>(run: () => Promise<unknown>, expected: T, where: string): Promise<void> {
  if (expected === emptyReduce) await assert.rejects(run, EmptyReduceError, where);
  else assert.deepEqual(await run(), expected, where);
}

for (const backend of backends) {
  describe(`collections equal plain JS on ${backend.name}`, () => {
    const params = { seed: 42, numRuns: Math.ceil(backend.runs * scale), includeErrorInReport: true };
    /** Far longer than a property takes (a run is a few jobs of at most 60 items): past it, something hangs. */
    const timeout = 30_000 + params.numRuns * 2_000;
    /** Which of the backend's pools a run uses. */
    const poolArb = fc.nat({ max: backend.workerCounts.length - 1 });
    /** Every pool that started, closed after the tests even when another failed to start. */
    let pools: Pool[] = [];
    const where = (pool: Pool, bounds?: ChunkBounds) =>
      `${pool.backend} with ${pool.workers} worker(s)${bounds ? `, bounds ${JSON.stringify(bounds)}` : ""}`;

    before(async () => {
      const starts = await Promise.allSettled(
        backend.workerCounts.map((workers) => weft(backend.options(workers))),
      );
      pools = starts.flatMap((start) => (start.status === "fulfilled" ? [start.value] : []));
      const failed = starts.find((start): start is PromiseRejectedResult => start.status === "rejected");
      if (failed) throw failed.reason;
      // A cluster's options without its address would quietly make a threads pool.
      for (const pool of pools) assert.equal(pool.backend, backend.name);
    });

    after(async () => {
      await Promise.all(pools.map((pool) => pool.close()));
    });

    for (const [source, inputArb] of Object.entries(numberSources)) {
      describe(`over ${source}`, () => {
        for (const [name, op] of Object.entries(operations)) {
          it(name, { timeout }, async () => {
            await fc.assert(
              fc.asyncProperty(inputArb, boundsArb, poolArb, async (input, bounds, p) => {
                const pool = pools[p]!;
                const run = () => op.run(() => input.open(pool).chunks(bounds));
                await check(run, op.expected(input.items), where(pool, bounds));
              }),
              params,
            );
          });
        }
      });
    }

    describe("word count with reduceByKey", () => {
      const wordsArb = fc.array(fc.constantFrom("a", "b", "c", "ab", "ba", "abc"), { maxLength: 80 });
      for (const kind of ["array", "generator", "async generator"] as const) {
        it(`over ${kind}`, { timeout }, async () => {
          await fc.assert(
            fc.asyncProperty(wordsArb, boundsArb, poolArb, async (words, bounds, p) => {
              const expected = new Map<string, number>();
              for (const w of words) expected.set(w, (expected.get(w) ?? 0) + 1);
              const pool = pools[p]!;
              const counts = await listInput(words, kind)
                .open(pool)
                .chunks(bounds)
                .reduceByKey(identity, one, add);
              assert.deepEqual(counts, expected, where(pool, bounds));
            }),
            params,
          );
        });
      }
    });

    // A regression test: range(from, to, step) once computed item i as (from + start * step) +
    // offset * step, where `start` is its chunk's first index, so with a fractional step the values
    // depended on how the input was chunked (0.7 or 0.7000000000000001).
    it("range with a fractional step gives from + i * step, however it is chunked", { timeout }, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: -50, max: 50 }),
          fc.integer({ min: 1, max: 60 }),
          fc.constantFrom(0.1, 0.2, 0.3, 0.7, 1.1, 0.25),
          boundsArb,
          poolArb,
          async (from10, count, step, bounds, p) => {
            const from = from10 / 10;
            const to = from + count * step;
            const expected = Array.from({ length: Math.ceil((to - from) / step) }, (_, i) => from + i * step);
            const pool = pools[p]!;
            const got = await pool.range(from, to, step).chunks(bounds).collect();
            assert.deepEqual(got, expected, where(pool, bounds));
          },
        ),
        params,
      );
    });

    // A regression test: chunks() once took any bounds, while weft() rejected the same values with
    // OptionError; a fractional maxChunk cut a range at fractional offsets and yielded wrong items
    // (range(0, 5).chunks({ maxChunk: 1.5 }) collected [0, 1, 2, 2.5, 3.5, 4]).
    it(
      "chunks() either rejects bounds weft() would reject, or still gives the right items",
      { timeout },
      async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.integer({ min: 0, max: 40 }),
            fc.double({ min: 1, max: 10, noNaN: true }),
            fc.double({ min: 1, max: 10, noNaN: true }),
            poolArb,
            async (count, minChunk, maxChunk, p) => {
              const pool = pools[p]!;
              const expected = rangeItems(0, count, 1);
              const run = async () => pool.range(0, count).chunks({ minChunk, maxChunk }).collect();
              const valid = Number.isInteger(minChunk) && Number.isInteger(maxChunk) && minChunk <= maxChunk;
              if (valid) assert.deepEqual(await run(), expected, where(pool));
              else {
                const outcome = await run().then(
                  (items) => ({ items }),
                  (error: unknown) => ({ error }),
                );
                if ("error" in outcome)
                  assert.ok(outcome.error instanceof OptionError, String(outcome.error));
                else
                  assert.deepEqual(
                    outcome.items,
                    expected,
                    `${where(pool)}, bounds ${minChunk}..${maxChunk}`,
                  );
              }
            },
          ),
          params,
        );
      },
    );

    // Arrays of numbers go to workers as typed arrays, and outputs that are all booleans or all
    // numbers come back packed: nothing about a value may change on the way, -0 and NaN included.
    it("every value comes back exactly as it went, packed for the trip or not", { timeout }, async () => {
      // Integers up to the edges of int32 (sent as an Int32Array), plus -0, which an Int32Array would turn into 0.
      const ints = fc.oneof(fc.integer(), fc.constantFrom(-0, 2 ** 31 - 1, -(2 ** 31)));
      const doubles = fc.oneof(
        fc.double(),
        fc.constantFrom(-0, NaN, Infinity, -Infinity, 2 ** 31, 2 ** 53 + 2),
      );
      const valueArrays = fc.oneof(
        fc.array(ints, { maxLength: 60 }),
        fc.array(doubles, { maxLength: 60 }),
        fc.array(fc.boolean(), { maxLength: 60 }),
        fc.array(fc.oneof(doubles, fc.boolean(), fc.string(), fc.constant(null), fc.constant(undefined)), {
          maxLength: 60,
        }),
      );
      await fc.assert(
        fc.asyncProperty(valueArrays, boundsArb, poolArb, async (values, bounds, p) => {
          const pool = pools[p]!;
          const at = where(pool, bounds);
          // deepEqual compares primitives with Object.is: -0 is not 0, NaN is NaN.
          assert.deepEqual(await pool.from(values).chunks(bounds).map(identity).collect(), values, at);
          assert.deepEqual(await drain(pool.from(values).chunks(bounds).map(identity)), values, at);
          assert.deepEqual(
            await pool.from(syncItems(values)).chunks(bounds).map(identity).collect(),
            values,
            at,
          );
        }),
        params,
      );
    });
  });
}

after(async () => {
  // A worker's exit event lands on a later turn than the close() that caused it; a child process's
  // handle closes in the close-callbacks phase after that.
  for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(liveThreadCount(), 0, "a worker thread was left running");
  assert.equal(liveProcessCount(), 0, "a worker process was left running");
});
