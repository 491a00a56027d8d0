// Properties of the chunk-size policy and of the per-job cost estimator it is fed by.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  chunkSize,
  chunkTargets,
  CostEstimator,
  loadShare,
  probeChunk,
  shuffleChunkMs,
  sinkChunkMs,
  sinkPartMs,
  sinkProbeChunk,
  sinkSplit,
  tailSplit,
  tailTrips,
  targetChunkMs,
  type ChunkBounds,
  type ChunkSizeInput,
} from "../../src/scheduler/chunking.ts";

const runs = { seed: 42, numRuns: 500 };

const boundsArb: fc.Arbitrary<ChunkBounds> = fc
  .tuple(
    fc.integer({ min: 1, max: 1000 }),
    fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: undefined }),
  )
  .map(([minChunk, extra]) => ({ minChunk, maxChunk: extra === undefined ? Infinity : minChunk + extra }));

// Per-item costs from free (0) through microseconds to seconds, plus "not measured yet".
const costArb = fc.option(fc.double({ min: 0, max: 5000, noNaN: true, noDefaultInfinity: true }), {
  nil: undefined,
});

// `remaining`, when known, is never less than what is available now, and the job's `total` never less
// than what remains.
const inputArb: fc.Arbitrary<ChunkSizeInput> = fc
  .record({
    costPerItemMs: costArb,
    available: fc.integer({ min: 0, max: 1_000_000 }),
    extra: fc.option(fc.integer({ min: 0, max: 1_000_000 }), { nil: undefined }),
    sent: fc.integer({ min: 0, max: 10_000_000 }),
    workers: fc.integer({ min: 1, max: 64 }),
    bounds: boundsArb,
    // In-process, threads, processes, Redis, and a slow network.
    chunkTripMs: fc.constantFrom(0, 0.04, 0.1, 1, 20),
    // Any job, or a shuffle's map side.
    targetMs: fc.constantFrom(undefined, targetChunkMs, shuffleChunkMs),
    // A local backend, or a cluster's coordinator and Redis.
    chunkLoadMs: fc.constantFrom(undefined, 0, 0.35, 2),
    // One worker per thread (threads unsaid, or said), or a cluster's two slots per thread.
    workersPerThread: fc.constantFrom(undefined, 1, 2),
  })
  .map(({ extra, sent, workersPerThread, ...rest }) => ({
    ...rest,
    ...(workersPerThread !== undefined && { threads: Math.ceil(rest.workers / workersPerThread) }),
    remaining: extra === undefined ? undefined : rest.available + extra,
    total: extra === undefined ? undefined : rest.available + extra + sent,
  }));

const measuredArb = inputArb.chain((input) =>
  fc.double({ min: 1e-6, max: 5000, noNaN: true }).map((costPerItemMs) => ({ ...input, costPerItemMs })),
);

/** The threads the tail is shared among. */
const threadsOf = (input: ChunkSizeInput) => input.threads ?? input.workers;

/** How long a measured chunk is planned to run: its target, or longer where the shared path needs it. */
const runMs = (input: ChunkSizeInput) =>
  Math.max(input.targetMs ?? targetChunkMs, loadShare.run * input.workers * (input.chunkLoadMs ?? 0));
/** How short the tail's chunks may get: a few trips, or longer where the shared path needs it. */
const floorMs = (input: ChunkSizeInput) =>
  Math.max(tailTrips * input.chunkTripMs, loadShare.tail * input.workers * (input.chunkLoadMs ?? 0));

/** Floating-point slack for comparisons of planned chunk durations. */
const closeEnough = (a: number, b: number) => a <= b * (1 + 1e-9) + 1e-12;

describe("chunkSize", () => {
  it("is a whole number between 0 and what is available", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const size = chunkSize(input);
        assert.ok(Number.isInteger(size), `size ${size} is not an integer`);
        assert.ok(size >= 0 && size <= input.available, `size ${size} outside [0, ${input.available}]`);
      }),
      runs,
    );
  });

  it("is at least one item whenever anything is available", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        fc.pre(input.available > 0);
        assert.ok(chunkSize(input) >= 1);
      }),
      runs,
    );
  });

  it("respects minChunk and maxChunk, except that it never exceeds what is available", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const size = chunkSize(input);
        assert.ok(size <= input.bounds.maxChunk, `size ${size} above maxChunk ${input.bounds.maxChunk}`);
        assert.ok(size >= Math.min(input.bounds.minChunk, input.available), `size ${size} below minChunk`);
      }),
      runs,
    );
  });

  it("sends the probe size before any measurement, raised to minChunk", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const { bounds, available } = input;
        const size = chunkSize({ ...input, costPerItemMs: undefined });
        assert.equal(size, Math.min(Math.max(probeChunk, bounds.minChunk), bounds.maxChunk, available));
      }),
      runs,
    );
    assert.equal(
      chunkSize({
        costPerItemMs: undefined,
        available: 1_000_000,
        remaining: undefined,
        workers: 8,
        bounds: { minChunk: 1, maxChunk: Infinity },
        chunkTripMs: 0,
      }),
      probeChunk,
    );
  });

  it("plans a measured chunk to take at most its target unless minChunk forces more", () => {
    fc.assert(
      fc.property(measuredArb, (input) => {
        const size = chunkSize(input);
        fc.pre(size > Math.max(input.bounds.minChunk, 1));
        assert.ok(closeEnough(size * Math.max(input.costPerItemMs, 1e-6), runMs(input)));
      }),
      runs,
    );
  });

  it("fills its target when nothing but the cost limits the size", () => {
    fc.assert(
      fc.property(measuredArb, (input) => {
        const open = { ...input, remaining: undefined };
        const size = chunkSize(open);
        fc.pre(size < input.available && size < input.bounds.maxChunk);
        // One more item would overrun the target: the chunk is as long as it is allowed to be.
        assert.ok((size + 1) * Math.max(input.costPerItemMs, 1e-6) > runMs(input) * (1 - 1e-9));
      }),
      runs,
    );
  });

  it("near the end takes a small share of what remains, or a few trips' worth, never more than the job's tail share", () => {
    fc.assert(
      fc.property(measuredArb, (input) => {
        fc.pre(input.remaining !== undefined);
        const { remaining, bounds } = input;
        const perItem = Math.max(input.costPerItemMs, 1e-6);
        const share = Math.ceil(remaining / (tailSplit * threadsOf(input)));
        const jobShare = Math.ceil(input.total! / (tailSplit * threadsOf(input)));
        const trips = Math.min(Math.floor(floorMs(input) / perItem), jobShare);
        assert.ok(chunkSize(input) <= Math.max(share, trips, bounds.minChunk));
      }),
      runs,
    );
  });

  it("shares the tail among threads: a cluster's two slots per thread cut a job as its threads alone would", () => {
    fc.assert(
      fc.property(measuredArb, fc.integer({ min: 1, max: 32 }), (input, threads) => {
        const local = { ...input, chunkLoadMs: 0 };
        assert.equal(
          chunkSize({ ...local, workers: 2 * threads, threads }),
          chunkSize({ ...local, workers: threads, threads: undefined }),
        );
      }),
      runs,
    );
  });

  it("near the end plans no chunk shorter than a few trips, unless something smaller caps it", () => {
    fc.assert(
      fc.property(measuredArb, (input) => {
        fc.pre(input.remaining !== undefined);
        const { available, bounds } = input;
        const perItem = Math.max(input.costPerItemMs, 1e-6);
        const caps = [
          Math.floor(floorMs(input) / perItem),
          Math.ceil(input.total! / (tailSplit * threadsOf(input))),
          Math.max(Math.floor(runMs(input) / perItem), 1),
          available,
          bounds.maxChunk,
        ];
        assert.ok(chunkSize(input) >= Math.min(...caps));
      }),
      runs,
    );
  });

  it("ends a drained job in a bounded tail: once at its floor, at most tailSplit × workers more chunks", () => {
    fc.assert(
      // Jobs up to half a million items: each case walks its job chunk by chunk.
      fc.property(measuredArb, fc.integer({ min: 1, max: 500_000 }), (input, total) => {
        const at = (left: number) =>
          chunkSize({
            ...input,
            available: left,
            remaining: left,
            total,
            bounds: { minChunk: 1, maxChunk: Infinity },
          });
        let left = total;
        let first = at(left);
        let chunks = 0;
        while (left > 0 && at(left) >= first) {
          // Chunks the size of the first are the body of the job; the tail starts when they shrink.
          first = at(left);
          left -= first;
        }
        for (; left > 0; chunks++) left -= at(left);
        const floor = Math.min(
          Math.floor(floorMs(input) / Math.max(input.costPerItemMs, 1e-6)),
          Math.ceil(total / (tailSplit * threadsOf(input))),
        );
        // A geometric tail from the first chunk down to the floor, then the floor's own chunks.
        const shrinking = Math.ceil(
          Math.log(Math.max(first, 1) / Math.max(floor, 1)) /
            -Math.log(1 - 1 / (tailSplit * threadsOf(input))),
        );
        assert.ok(
          chunks <= Math.max(shrinking, 0) + tailSplit * threadsOf(input) + 1,
          `${chunks} chunks in the tail`,
        );
      }),
      runs,
    );
  });

  it("never grows when less remains", () => {
    fc.assert(
      fc.property(inputArb, fc.integer({ min: 0, max: 1_000_000 }), (input, fewer) => {
        fc.pre(input.remaining !== undefined);
        const more = input.remaining;
        const less = Math.max(input.available, more - fewer);
        assert.ok(chunkSize({ ...input, remaining: less }) <= chunkSize({ ...input, remaining: more }));
        // Knowing the end is near never makes a chunk bigger than not knowing it.
        assert.ok(chunkSize(input) <= chunkSize({ ...input, remaining: undefined }));
      }),
      runs,
    );
  });

  it("never grows when less remains, as a closed job is drained (available == remaining)", () => {
    fc.assert(
      fc.property(measuredArb, fc.integer({ min: 0, max: 1_000_000 }), (input, taken) => {
        const before = input.available;
        const after = Math.max(0, before - taken);
        const size = (left: number) => chunkSize({ ...input, available: left, remaining: left });
        assert.ok(size(after) <= size(before));
      }),
      runs,
    );
  });

  it("never grows when items get dearer, nor when workers are added where chunks load no shared path", () => {
    fc.assert(
      fc.property(
        measuredArb,
        fc.double({ min: 1, max: 1000, noNaN: true }),
        fc.integer({ min: 0, max: 64 }),
        (input, factor, moreWorkers) => {
          const base = chunkSize(input);
          assert.ok(chunkSize({ ...input, costPerItemMs: input.costPerItemMs * factor }) <= base);
          const local = { ...input, chunkLoadMs: 0 };
          assert.ok(chunkSize({ ...local, workers: input.workers + moreWorkers }) <= chunkSize(local));
        },
      ),
      runs,
    );
  });

  it("on a shared path, runs chunks long enough that it is busy at most a quarter of the time", () => {
    fc.assert(
      fc.property(measuredArb, fc.double({ min: 0.01, max: 2, noNaN: true }), (input, chunkLoadMs) => {
        const open = { ...input, chunkLoadMs, remaining: undefined, total: undefined };
        const size = chunkSize(open);
        fc.pre(size < input.available && size < input.bounds.maxChunk);
        // Each thread (two slots) runs one chunk at a time: threads × load / duration of the path's time.
        const duration = (size + 1) * Math.max(input.costPerItemMs, 1e-6);
        assert.ok(((input.workers / 2) * chunkLoadMs) / duration <= 0.25 + 1e-9);
      }),
      runs,
    );
  });
});

// A sink's chunks: each writes a part file, over records or over items that hold many (byte ranges).
const sinkArb: fc.Arbitrary<ChunkSizeInput> = fc
  .tuple(inputArb, fc.boolean())
  .map(([input, itemsAreRecords]) => ({ ...input, ...targetsOf(chunkTargets("write", itemsAreRecords)) }));
const measuredSinkArb = sinkArb.chain((input) =>
  fc.double({ min: 1e-6, max: 5000, noNaN: true }).map((costPerItemMs) => ({ ...input, costPerItemMs })),
);
/** A job's targets as the scheduler hands them to chunkSize. */
const targetsOf = ({ chunkMs, part }: ReturnType<typeof chunkTargets>) => ({
  ...(chunkMs !== undefined && { targetMs: chunkMs }),
  ...(part && { part }),
});

describe("chunkSize for a sink", () => {
  it("keeps the invariants of every job: a whole number within bounds and what is available, at least one item", () => {
    fc.assert(
      fc.property(sinkArb, (input) => {
        const size = chunkSize(input);
        assert.ok(Number.isInteger(size) && size >= 0 && size <= input.available);
        if (input.available > 0) assert.ok(size >= 1);
        assert.ok(size <= input.bounds.maxChunk);
        assert.ok(size >= Math.min(input.bounds.minChunk, input.available));
      }),
      runs,
    );
  });

  it("probes with a thousand records, or one item that holds many, within its share of the job", () => {
    fc.assert(
      fc.property(sinkArb, (input) => {
        const { bounds, available, remaining, total, part } = input;
        const share = remaining === undefined ? Infinity : Math.ceil(total! / (sinkSplit * threadsOf(input)));
        const probe = Math.min(part!.probe, share);
        const size = chunkSize({ ...input, costPerItemMs: undefined });
        assert.equal(size, Math.min(Math.max(probe, bounds.minChunk, 1), bounds.maxChunk, available));
      }),
      runs,
    );
    assert.equal(chunkTargets("write", true).part?.probe, sinkProbeChunk);
    assert.equal(chunkTargets("write", false).part?.probe, 1);
  });

  it("plans a measured chunk to take at most a sink's target unless minChunk forces more", () => {
    fc.assert(
      fc.property(measuredSinkArb, (input) => {
        const size = chunkSize(input);
        fc.pre(size > Math.max(input.bounds.minChunk, 1));
        const planned = Math.max(sinkChunkMs, loadShare.run * input.workers * (input.chunkLoadMs ?? 0));
        assert.ok(closeEnough(size * Math.max(input.costPerItemMs, 1e-6), planned));
      }),
      runs,
    );
  });

  it("never cuts a part below half a target of work or its share of the job, unless something smaller caps it", () => {
    fc.assert(
      fc.property(measuredSinkArb, (input) => {
        fc.pre(input.remaining !== undefined);
        const { available, bounds } = input;
        const perItem = Math.max(input.costPerItemMs, 1e-6);
        const caps = [
          Math.max(Math.floor(sinkPartMs / perItem), Math.floor(floorMs(input) / perItem)),
          Math.ceil(input.total! / (sinkSplit * threadsOf(input))),
          Math.max(Math.floor(runMs(input) / perItem), 1),
          available,
          bounds.maxChunk,
        ];
        assert.ok(chunkSize(input) >= Math.min(...caps));
      }),
      runs,
    );
  });

  it("writes a job shorter than its parts' worth in at most sinkSplit × workers chunks once measured", () => {
    fc.assert(
      fc.property(measuredSinkArb, fc.integer({ min: 1, max: 500_000 }), (input, total) => {
        const perItem = Math.max(input.costPerItemMs, 1e-6);
        fc.pre(Math.floor(sinkPartMs / perItem) >= Math.ceil(total / (sinkSplit * threadsOf(input))));
        const at = (left: number) =>
          chunkSize({
            ...input,
            available: left,
            remaining: left,
            total,
            bounds: { minChunk: 1, maxChunk: Infinity },
          });
        let chunks = 0;
        for (let left = total; left > 0; chunks++) left -= at(left);
        assert.ok(chunks <= sinkSplit * threadsOf(input), `${chunks} chunks`);
      }),
      runs,
    );
  });

  it("never grows when less remains, when items get dearer, or when workers are added", () => {
    fc.assert(
      fc.property(
        measuredSinkArb,
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.double({ min: 1, max: 1000, noNaN: true }),
        fc.integer({ min: 0, max: 64 }),
        (input, taken, factor, moreWorkers) => {
          const drained = (left: number) => chunkSize({ ...input, available: left, remaining: left });
          assert.ok(drained(Math.max(0, input.available - taken)) <= drained(input.available));
          const base = chunkSize(input);
          assert.ok(chunkSize({ ...input, costPerItemMs: input.costPerItemMs * factor }) <= base);
          const local = { ...input, chunkLoadMs: 0 };
          assert.ok(chunkSize({ ...local, workers: input.workers + moreWorkers }) <= chunkSize(local));
        },
      ),
      runs,
    );
  });

  it("leaves every other job's targets as they were", () => {
    assert.deepEqual(chunkTargets("collect", true), {});
    assert.deepEqual(chunkTargets("reduceByKey", false), {});
    assert.deepEqual(chunkTargets("shuffle", false), { chunkMs: shuffleChunkMs });
  });
});

const sampleArb = fc.record({
  items: fc.integer({ min: -3, max: 10_000 }),
  busyMs: fc.double({ min: -10, max: 10_000, noNaN: true }),
});

/** What a sample says one item costs, or undefined for a sample the estimator must ignore. */
const perItemOf = (s: { items: number; busyMs: number }) =>
  s.items > 0 ? Math.max(s.busyMs, 0) / s.items : undefined;

describe("CostEstimator", () => {
  it("knows nothing until a chunk with items is recorded, then takes its per-item cost", () => {
    fc.assert(
      fc.property(fc.array(sampleArb, { maxLength: 20 }), (samples) => {
        const estimator = new CostEstimator();
        const first = samples.findIndex((s) => s.items > 0);
        samples.forEach((s, i) => {
          estimator.record(s.items, s.busyMs);
          if (first === -1 || i < first) assert.equal(estimator.perItemMs, undefined);
          else if (i === first) assert.equal(estimator.perItemMs, perItemOf(s));
        });
      }),
      runs,
    );
  });

  it("stays within the range of the per-item costs recorded, and never goes negative", () => {
    fc.assert(
      fc.property(fc.array(sampleArb, { maxLength: 30 }), (samples) => {
        const estimator = new CostEstimator();
        let lo = Infinity;
        let hi = -Infinity;
        for (const s of samples) {
          estimator.record(s.items, s.busyMs);
          const sample = perItemOf(s);
          if (sample === undefined) continue;
          lo = Math.min(lo, sample);
          hi = Math.max(hi, sample);
          const estimate = estimator.perItemMs!;
          assert.ok(
            estimate >= lo * (1 - 1e-12) && estimate <= hi * (1 + 1e-12),
            `${estimate} ∉ [${lo}, ${hi}]`,
          );
        }
      }),
      runs,
    );
  });

  it("takes a chunk of far more items than the last nearly at its word", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1000, max: 1_000_000 }),
        (probe, steady, few, many) => {
          const estimator = new CostEstimator();
          estimator.record(few, probe * few);
          estimator.record(many, steady * many);
          // Weighed by its share of the two chunks' items: the probe's error shrinks by few / (few + many).
          const error = Math.abs(estimator.perItemMs! - steady);
          assert.ok(error <= (Math.abs(probe - steady) * few) / (few + many) + 1e-9 * Math.max(steady, 1));
        },
      ),
      runs,
    );
  });

  it("halves its distance to a new steady per-item cost with every chunk", () => {
    fc.assert(
      fc.property(
        fc.array(sampleArb, { maxLength: 10 }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.array(fc.integer({ min: 1, max: 10_000 }), { minLength: 1, maxLength: 20 }),
        (history, perItem, sizes) => {
          const estimator = new CostEstimator();
          for (const s of history) estimator.record(s.items, s.busyMs);
          let bound = estimator.perItemMs === undefined ? 0 : Math.abs(estimator.perItemMs - perItem);
          for (const items of sizes) {
            estimator.record(items, perItem * items);
            bound /= 2;
            const error = Math.abs(estimator.perItemMs! - perItem);
            assert.ok(error <= bound + 1e-9 * Math.max(perItem, 1), `error ${error} above ${bound}`);
          }
        },
      ),
      runs,
    );
  });
});
