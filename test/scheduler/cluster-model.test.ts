// The model behind `npm run simulate` (bench/simulate/cluster-model.ts), which drives the Scheduler
// with simulated time: whatever the cluster does (threads joining and dying, any latency), every item
// is counted once; with nothing in the way the threads stay busy; and when a coordinator saturates, the
// load-aware chunk size (chunking.ts, loadShare) is what keeps the threads busy.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { simulate, seeded, type ModelSettings } from "../../bench/simulate/cluster-model.ts";

/** Prefix sums of `items` costs drawn uniformly in [0, 2 × meanMs). */
function costsOf(items: number, meanMs: number, seed: number): Float64Array {
  const random = seeded(seed);
  const sums = new Float64Array(items + 1);
  for (let i = 0; i < items; i++) sums[i + 1] = sums[i]! + 2 * meanMs * random();
  return sums;
}

const quiet: Omit<ModelSettings, "threads" | "costs" | "seed"> = {
  rttMs: () => 0,
  slowness: () => 1,
  coordinatorMsPerChunk: 0,
  redisMsPerChunk: 0,
  redisCommandsPerChunk: 44,
  slotsPerThread: 2,
  chunkTripMs: 2.5,
  chunkLoadMs: 0,
  joins: 0,
  deaths: 0,
  detectMs: 1500,
  countMs: 1000,
  expireMs: 6000,
};

describe("the cluster model of npm run simulate", () => {
  it("counts every item once, whatever joins, dies, or delays", () => {
    fc.assert(
      fc.property(
        fc.record({
          threads: fc.integer({ min: 1, max: 40 }),
          items: fc.integer({ min: 1, max: 20_000 }),
          meanMs: fc.double({ min: 0.001, max: 5, noNaN: true }),
          joins: fc.integer({ min: 0, max: 5 }),
          deaths: fc.integer({ min: 0, max: 5 }),
          maxRttMs: fc.double({ min: 0, max: 5, noNaN: true }),
          chunkLoadMs: fc.constantFrom(0, 0.35),
          seed: fc.integer(),
        }),
        (p) => {
          const result = simulate({
            ...quiet,
            ...p,
            costs: costsOf(p.items, p.meanMs, p.seed),
            rttMs: (random) => p.maxRttMs * random(),
            slowness: (random) => 0.8 + random(),
            coordinatorMsPerChunk: 0.35,
            redisMsPerChunk: 0.3,
          });
          assert.equal(result.itemsCounted, p.items);
          assert.ok(result.efficiency <= 1 + 1e-9, `efficiency ${result.efficiency}`);
        },
      ),
      { seed: 42, numRuns: 60 },
    );
  });

  it("keeps the threads busy when nothing stands in the way", () => {
    const result = simulate({ ...quiet, threads: 16, costs: costsOf(100_000, 1, 7), seed: 7 });
    assert.equal(result.rerun, 0);
    assert.ok(result.efficiency > 0.95, `efficiency ${result.efficiency}`);
  });

  it("with a coordinator that saturates at 40 ms chunks, the load-aware size keeps the threads busy", () => {
    const settings = {
      ...quiet,
      threads: 300,
      costs: costsOf(3_000_000, 1, 3),
      rttMs: () => 1,
      coordinatorMsPerChunk: 0.35,
      redisMsPerChunk: 0.3,
      seed: 3,
    };
    const before = simulate(settings);
    const after = simulate({ ...settings, chunkLoadMs: 0.35 });
    assert.ok(before.coordinatorBusy > 0.95, `the coordinator is busy ${before.coordinatorBusy} before`);
    assert.ok(before.efficiency < 0.6, `efficiency ${before.efficiency} before`);
    assert.ok(after.coordinatorBusy < 0.5, `the coordinator is busy ${after.coordinatorBusy} after`);
    assert.ok(after.efficiency > 0.85, `efficiency ${after.efficiency} after`);
  });
});
