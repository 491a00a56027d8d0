// The built-in workloads: on every backend, worker count and chunking, the parallel answer is the sequential
// one; each workload's check notices a wrong answer; bad names, sizes and knobs are refused, saying what is
// accepted.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { weft, type WeftOptions } from "../../src/index.ts";
import { workloadNamed, workloads } from "../../src/workloads/all.ts";
import { mandelbrot } from "../../src/workloads/mandelbrot.ts";
import { matmul, type Matrix } from "../../src/workloads/matmul.ts";
import { maxRounds, minRounds, paretoRounds } from "../../src/workloads/kernels/pareto.ts";
import { pareto } from "../../src/workloads/pareto.ts";
import { pi, type PiEstimate } from "../../src/workloads/pi.ts";
import { primes } from "../../src/workloads/primes.ts";
import { sumOfSquares } from "../../src/workloads/sum-of-squares.ts";
import { synthetic, type SyntheticResult } from "../../src/workloads/synthetic.ts";
import { tiny } from "../../src/workloads/tiny.ts";
import { wordcount } from "../../src/workloads/wordcount.ts";
import type { Workload } from "../../src/workloads/workload.ts";
import { checkLeaks } from "../support/leaks.ts";

checkLeaks();

/** A workload with the sizes it is tested at and answers that differ from a right one in small ways. */
interface Case<A> {
  readonly workload: Workload<A>;
  /** The smallest size accepted, then one that leaves a partial last chunk or block. */
  readonly edgeSizes: readonly [number, number];
  wrongAnswers(right: A): A[];
}

const caseOf = <A>(c: Case<A>): Case<A> => c;

const cases: readonly Case<unknown>[] = [
  caseOf<bigint>({
    workload: sumOfSquares,
    edgeSizes: [1, 1001],
    wrongAnswers: (sum) => [sum + 1n, sum - 1n, 0n],
  }),
  caseOf<number>({
    workload: primes,
    edgeSizes: [3, 1001],
    wrongAnswers: (count) => [count + 1, count - 1],
  }),
  caseOf<PiEstimate>({
    workload: pi,
    edgeSizes: [1, 7],
    wrongAnswers: (e) => [
      { ...e, inside: e.inside + 1 },
      { ...e, points: e.points * 2, pi: e.pi / 2 },
      { ...e, pi: e.pi + Number.EPSILON * 4 },
    ],
  }),
  caseOf<Matrix>({
    workload: matmul,
    edgeSizes: [1, 37],
    wrongAnswers(m) {
      const oneUlpOff = m.values.slice();
      oneUlpOff[m.values.length - 1] = nudged(m.values[m.values.length - 1]!);
      const lastRowMissing = { n: m.n, values: m.values.subarray(0, m.values.length - m.n) };
      return [{ n: m.n, values: oneUlpOff }, lastRowMissing];
    },
  }),
  caseOf<Map<string, number>>({
    workload: wordcount,
    edgeSizes: [1, 1001],
    wrongAnswers(counts) {
      const [word, count] = [...counts].at(-1)!;
      const miscounted = new Map(counts).set(word, count + 1);
      const missing = new Map(counts);
      missing.delete(word);
      const extra = new Map(counts).set("not-a-word", 1);
      return [miscounted, missing, extra];
    },
  }),
  caseOf<Uint16Array[]>({
    workload: mandelbrot,
    edgeSizes: [2, 37],
    wrongAnswers(rows) {
      const middle = Math.floor(rows.length / 2);
      const pixelOff = rows.map((row) => row.slice());
      pixelOff[middle]![middle]! += 1;
      return [pixelOff, rows.slice(0, -1), rows.map((row, y) => (y === middle ? rows[0]! : row))];
    },
  }),
  caseOf<SyntheticResult>({
    workload: synthetic,
    edgeSizes: [1, 37],
    wrongAnswers: (r) => [
      { ...r, items: r.items + 1 },
      { ...r, serial: r.serial + 1 },
    ],
  }),
  caseOf<number>({
    workload: tiny,
    edgeSizes: [1, 1001],
    wrongAnswers: (sum) => [sum + 1, sum - 1, 0],
  }),
  caseOf<number>({
    workload: pareto,
    edgeSizes: [1, 37],
    wrongAnswers: (sum) => [(sum + 1) >>> 0, (sum - 1) >>> 0],
  }),
];

/** The double next to `x`, one unit in the last place further from zero. */
function nudged(x: number): number {
  const bits = new BigInt64Array(new Float64Array([x]).buffer);
  bits[0]! += 1n;
  return new Float64Array(bits.buffer)[0]!;
}

const references = new Map<string, unknown>();

/** The sequential answer, computed once per workload and size for the whole file. */
function reference(workload: Workload<unknown>, size: number): unknown {
  const key = `${workload.name} ${size}`;
  if (!references.has(key)) references.set(key, workload.sequential(size));
  return references.get(key);
}

/** Runs every workload at its sizes on one pool and reports every answer that differs, not just the first. */
async function assertParallelMatches(options: WeftOptions, sizesOf: (c: Case<unknown>) => number[]) {
  await using pool = await weft(options);
  const differences: string[] = [];
  for (const c of cases) {
    for (const size of sizesOf(c)) {
      const why = c.workload.mismatch(reference(c.workload, size), await c.workload.parallel(pool, size));
      if (why !== undefined) differences.push(`${c.workload.name} at size ${size}: ${why}`);
    }
  }
  assert.deepEqual(differences, [], `on ${JSON.stringify(options)}`);
}

describe("every workload's parallel answer is its sequential one", () => {
  for (const workers of [1, 2, 3]) {
    test(`threads, ${workers} worker(s), quick and edge sizes`, () =>
      assertParallelMatches({ backend: "threads", workers }, (c) => [c.workload.quickSize, ...c.edgeSizes]));
  }

  test("threads, chunks of at most 3 items, so the last chunk is partial", () =>
    assertParallelMatches({ backend: "threads", workers: 2, maxChunk: 3 }, (c) => [c.edgeSizes[1]]));

  test("sequential backend, quick size", () =>
    assertParallelMatches({ backend: "sequential" }, (c) => [c.workload.quickSize]));

  test("processes backend, where the matrices are copied instead of shared", () =>
    assertParallelMatches({ backend: "processes", workers: 2 }, (c) => [c.edgeSizes[1]]));
});

test("pi's estimate is bit for bit the same on any number of workers and any chunking", async () => {
  const expected = pi.sequential(pi.quickSize);
  for (const options of [{ workers: 1 }, { workers: 2, minChunk: 7 }, { workers: 3, maxChunk: 1 }]) {
    await using pool = await weft(options);
    const got = await pi.parallel(pool, pi.quickSize);
    assert.equal(got.pi, expected.pi, `on ${JSON.stringify(options)}`);
    assert.equal(got.inside, expected.inside);
  }
  assert.ok(Math.abs(expected.pi - Math.PI) < 0.01, `${expected.pi} is not near π`);
});

test("synthetic: a serial part of 0 or half of the work, done the same way in both runs", async () => {
  await using pool = await weft({ workers: 2 });
  for (const serialFraction of [0, 0.5]) {
    const knobs = { itemMicros: 50, serialFraction };
    const expected = synthetic.sequential(100, knobs);
    const why = synthetic.mismatch(expected, await synthetic.parallel(pool, 100, knobs));
    assert.equal(why, undefined, `serialFraction ${serialFraction}: ${why}`);
  }
});

test("each workload's mismatch notices a wrong answer and says how it is wrong", () => {
  for (const c of cases) {
    const right = reference(c.workload, c.edgeSizes[1]);
    assert.equal(c.workload.mismatch(right, right), undefined, c.workload.name);
    for (const wrong of c.wrongAnswers(right)) {
      const why = c.workload.mismatch(right, wrong);
      assert.equal(typeof why, "string", `${c.workload.name} took a wrong answer for a right one`);
      assert.ok(why!.length > 0);
    }
  }
});

test("the registry lists every workload once, in a stable order, with sizes it accepts", () => {
  assert.deepEqual(
    [...workloads.keys()],
    ["sum-of-squares", "primes", "pi", "matmul", "wordcount", "mandelbrot", "synthetic", "tiny", "pareto"],
  );
  assert.deepEqual(
    cases.map((c) => c.workload.name),
    [...workloads.keys()],
  );
  for (const [name, workload] of workloads) {
    assert.equal(workloadNamed(name), workload);
    assert.equal(workload.name, name);
    assert.ok(workload.quickSize < workload.defaultSize, name);
    assert.ok(workload.items(workload.quickSize) > 0, name);
    assert.ok(workload.items(workload.defaultSize) > workload.items(workload.quickSize), name);
    assert.match(workload.describe(workload.defaultSize), /\d/, name);
  }
});

test("an unknown workload name is refused with the list of known ones", () => {
  assert.throws(() => workloadNamed("fibonacci"), {
    message:
      'unknown workload "fibonacci": the workloads are sum-of-squares, primes, pi, matmul, wordcount, mandelbrot, synthetic, tiny, pareto',
  });
});

test("a bad size is refused with what the workload accepts, before any work", async () => {
  await using pool = await weft({ backend: "sequential" });
  for (const c of cases) {
    const { workload } = c;
    const smallest = c.edgeSizes[0];
    for (const bad of [smallest - 1, -5, 2.5, Number.NaN, Infinity]) {
      const refusal = {
        name: "RangeError",
        message: new RegExp(
          `^${workload.name}: the size must be an integer of at least ${smallest} \\(.+\\), got`,
        ),
      };
      assert.throws(() => workload.sequential(bad), refusal);
      assert.throws(() => workload.items(bad), refusal);
      assert.throws(() => workload.describe(bad), refusal);
      await assert.rejects(workload.parallel(pool, bad), refusal);
    }
  }
});

test("tiny: items of a few tens of nanoseconds, whose sum stays an exact integer at the default size", () => {
  // Every item below 2^16, so even the default size sums far below 2^53, exactly in any order.
  assert.ok(tiny.defaultSize * 2 ** 16 < Number.MAX_SAFE_INTEGER);
  const n = 10_000;
  const sum = tiny.sequential(n);
  assert.ok(Number.isInteger(sum));
  // Mixed, not a trivial function of i: the mean of 16-bit values near half their range.
  assert.ok(Math.abs(sum / n - 2 ** 15) < 2 ** 11, `mean ${sum / n}`);
});

test("pareto: item costs are heavy-tailed, irregular and fixed by the seed", () => {
  const rounds = Array.from({ length: 20_000 }, (_, i) => paretoRounds(i));
  assert.deepEqual(
    rounds.slice(0, 100),
    Array.from({ length: 100 }, (_, i) => paretoRounds(i)),
  );
  assert.ok(Math.min(...rounds) >= minRounds && Math.max(...rounds) <= maxRounds);
  const total = rounds.reduce((a, b) => a + b, 0);
  // Pareto with α = 1.5: a mean of α / (α − 1) = 3 times the minimum, and the dearest 1% of the items
  // holding about a fifth of the work (0.01^(1 − 1/α)).
  const mean = total / rounds.length;
  assert.ok(mean > 2.5 * minRounds && mean < 3.5 * minRounds, `mean ${mean}`);
  const top = [...rounds].sort((a, b) => b - a).slice(0, rounds.length / 100);
  assert.ok(top.reduce((a, b) => a + b, 0) > 0.15 * total);
  // Irregular: a dear item is no sign that its neighbour is dear.
  const dear = rounds.map((r) => r > 10 * minRounds);
  const dearAfterDear = dear.filter((d, i) => d && dear[i + 1]).length / dear.filter(Boolean).length;
  const dearShare = dear.filter(Boolean).length / dear.length;
  assert.ok(
    Math.abs(dearAfterDear - dearShare) < 0.02,
    `${dearAfterDear} after a dear item, ${dearShare} overall`,
  );
});

test("pareto: the same answer on any number of workers and any chunking", async () => {
  const expected = pareto.sequential(200);
  for (const options of [{ workers: 1 }, { workers: 2, minChunk: 7 }, { workers: 3, maxChunk: 1 }]) {
    await using pool = await weft(options);
    assert.equal(await pareto.parallel(pool, 200), expected, `on ${JSON.stringify(options)}`);
  }
});

test("synthetic refuses knobs it cannot honour", () => {
  assert.throws(() => synthetic.sequential(1, { itemMicros: 0 }), {
    name: "RangeError",
    message: "synthetic: itemMicros must be a positive number of microseconds, got 0",
  });
  for (const serialFraction of [1, -0.1, Number.NaN]) {
    assert.throws(() => synthetic.sequential(1, { serialFraction }), {
      name: "RangeError",
      message: `synthetic: serialFraction must be at least 0 and below 1, got ${serialFraction}`,
    });
  }
});
