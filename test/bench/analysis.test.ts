// The scaling analysis against values worked out by hand, and the model fits against data generated
// from the models themselves.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  analyze,
  analyzeWorkload,
  median,
  predictionWorkers,
  sampleStats,
} from "../../src/scaling/analysis.ts";
import { amdahl, fitSerialFraction, gustafson, karpFlatt, rmsError } from "../../src/scaling/models.ts";
import type { ScalingKind, WorkloadResult } from "../../src/scaling/results.ts";
import { sampleResults } from "./sample-results.ts";

const runs = { seed: 42, numRuns: 300 };

/** A workload whose parallel runs have exactly these speedups over a 1000 ms sequential run. */
function workloadWithSpeedups(
  speedups: readonly { workers: number; speedup: number }[],
  scaling: ScalingKind = "strong",
): WorkloadResult {
  const sizeFor = (workers: number) => (scaling === "weak" ? 1000 * workers : 1000);
  const sizes = [...new Set(speedups.map((p) => sizeFor(p.workers)))];
  return {
    workload: "made-up",
    description: "made-up work",
    unit: "items",
    backend: "threads",
    scaling,
    sequential: sizes.map((size) => ({ size, items: size, samplesMs: [1000] })),
    parallel: speedups.map(({ workers, speedup }) => ({
      workers,
      size: sizeFor(workers),
      items: sizeFor(workers),
      samplesMs: [1000 / speedup],
      timeline: [],
    })),
  };
}

const close = (actual: number | undefined, expected: number, tolerance = 1e-12) =>
  assert.ok(
    actual !== undefined && Math.abs(actual - expected) <= tolerance,
    `expected ${expected}, got ${actual}`,
  );

describe("median and sample statistics", () => {
  it("takes the middle of an odd count and the mean of the two middles of an even one", () => {
    assert.equal(median([5, 1, 3]), 3);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(median([7]), 7);
    assert.throws(() => median([]), RangeError);
  });

  it("gives min, max and the spread as (max - min) / median", () => {
    assert.deepEqual(sampleStats([110, 90, 100, 120, 80]), {
      runs: 5,
      medianMs: 100,
      minMs: 80,
      maxMs: 120,
      spread: 0.4,
    });
    assert.equal(sampleStats([42])?.spread, 0);
    assert.equal(sampleStats([]), undefined);
  });
});

describe("scaling laws and Karp–Flatt", () => {
  it("computes Karp–Flatt e on hand-worked cases, unclamped, and leaves p = 1 undefined", () => {
    close(karpFlatt({ workers: 2, speedup: 1.6 }), 0.25); // (0.625 - 0.5) / 0.5
    close(karpFlatt({ workers: 4, speedup: 3 }), 1 / 9); // (1/3 - 1/4) / (3/4)
    close(karpFlatt({ workers: 2, speedup: 2.5 }), -0.2); // superlinear
    assert.equal(karpFlatt({ workers: 1, speedup: 0.97 }), undefined);
  });

  it("has Amdahl and Gustafson agree with their formulas at the ends of f", () => {
    close(amdahl.speedup(0, 8), 8);
    close(amdahl.speedup(1, 8), 1);
    close(amdahl.speedup(0.1, 4), 1 / (0.1 + 0.9 / 4));
    close(gustafson.speedup(0, 8), 8);
    close(gustafson.speedup(1, 8), 1);
    close(gustafson.speedup(0.2, 4), 3.4);
  });

  it("fits back the f that generated the speedups, with no error left", () => {
    const points = [2, 4, 8].map((workers) => ({ workers, speedup: amdahl.speedup(0.1, workers) }));
    close(fitSerialFraction(amdahl, points), 0.1);
    close(rmsError(amdahl, 0.1, points), 0);
    const scaled = [2, 4, 8].map((workers) => ({ workers, speedup: gustafson.speedup(0.2, workers) }));
    close(fitSerialFraction(gustafson, scaled), 0.2);
  });

  it("with one point, fits Amdahl's f to that point's Karp–Flatt e", () => {
    close(fitSerialFraction(amdahl, [{ workers: 2, speedup: 1.6 }]), 0.25);
  });

  it("clamps f to [0, 1] and fits nothing from points with one worker", () => {
    assert.equal(fitSerialFraction(amdahl, [{ workers: 2, speedup: 2.5 }]), 0);
    assert.equal(fitSerialFraction(amdahl, [{ workers: 2, speedup: 0.5 }]), 1);
    assert.equal(fitSerialFraction(gustafson, [{ workers: 4, speedup: 4.5 }]), 0);
    assert.equal(fitSerialFraction(amdahl, [{ workers: 1, speedup: 0.9 }]), undefined);
    assert.equal(fitSerialFraction(gustafson, []), undefined);
  });

  it("fits by least squares on the linear form when the points disagree", () => {
    // Amdahl as y = f·x with x = 1 - 1/p, y = 1/S - 1/p: p = 2 gives (0.5, 0.1), p = 4 gives (0.75, 0.25).
    const points = [
      { workers: 2, speedup: 1 / 0.6 },
      { workers: 4, speedup: 2 },
    ];
    close(fitSerialFraction(amdahl, points), (0.5 * 0.1 + 0.75 * 0.25) / (0.5 ** 2 + 0.75 ** 2));
  });
});

describe("analyzeWorkload", () => {
  it("reports speedup, efficiency and Karp–Flatt per worker count against the baseline at the same size", () => {
    const { points } = analyze(sampleResults).workloads[0]!;
    assert.deepEqual(
      points.map((p) => p.workers),
      [1, 2, 4],
    );
    const [one, two, four] = points;
    close(one!.speedup, 1000 / 1030);
    close(one!.efficiency, 1000 / 1030);
    assert.equal(one!.karpFlatt, undefined, "Karp–Flatt is undefined for one worker");
    close(two!.speedup, 1000 / 545);
    close(two!.efficiency, 1000 / 545 / 2);
    close(two!.karpFlatt, (545 / 1000 - 0.5) / 0.5);
    assert.deepEqual(
      points.map((p) => p.oversubscribed),
      [false, false, true],
    );
    assert.equal(four!.parallel.medianMs, 575);
  });

  it("leaves oversubscribed points and one worker out of the fit", () => {
    const speedups = [
      { workers: 1, speedup: 0.95 },
      { workers: 2, speedup: 1.6 },
      { workers: 4, speedup: 1.5 },
    ];
    const onTwoCores = analyzeWorkload(workloadWithSpeedups(speedups), 2).model!;
    assert.deepEqual(onTwoCores.fittedWorkers, [2]);
    close(onTwoCores.serialFraction, 0.25);
    assert.equal(onTwoCores.law, amdahl);
    close(onTwoCores.rmsError, 0);

    const onFourCores = analyzeWorkload(workloadWithSpeedups(speedups), 4).model!;
    assert.deepEqual(onFourCores.fittedWorkers, [2, 4]);
    assert.ok(onFourCores.serialFraction > 0.25, "the slow 4-worker run now counts against the model");
  });

  it("predicts the fitted model's speedup at 4, 8, 16 and 64 workers", () => {
    const model = analyzeWorkload(workloadWithSpeedups([{ workers: 2, speedup: 1.6 }]), 2).model!;
    assert.deepEqual(predictionWorkers, [4, 8, 16, 64]);
    assert.deepEqual(
      model.predictions,
      predictionWorkers.map((workers) => ({ workers, speedup: amdahl.speedup(0.25, workers) })),
    );
    close(model.predictions[0]!.speedup, 1 / (0.25 + 0.75 / 4));
  });

  it("fits no model when every run is oversubscribed or has one worker", () => {
    const speedups = [
      { workers: 1, speedup: 0.95 },
      { workers: 2, speedup: 1.1 },
    ];
    assert.equal(analyzeWorkload(workloadWithSpeedups(speedups), 1).model, undefined);
    assert.equal(analyzeWorkload(workloadWithSpeedups(speedups.slice(0, 1)), 2).model, undefined);
  });

  it("reports a run without a baseline at its size, without speedup, and skips series never timed", () => {
    const result: WorkloadResult = {
      ...workloadWithSpeedups([{ workers: 2, speedup: 1.8 }]),
      sequential: [{ size: 999, items: 999, samplesMs: [1000] }],
      parallel: [
        { workers: 2, size: 1000, items: 1000, samplesMs: [600], timeline: [] },
        { workers: 4, size: 1000, items: 1000, samplesMs: [], timeline: [] },
      ],
    };
    const analysis = analyzeWorkload(result, 2);
    assert.equal(analysis.points.length, 1);
    const [point] = analysis.points;
    assert.equal(point!.sequential, undefined);
    assert.equal(point!.speedup, undefined);
    assert.equal(point!.efficiency, undefined);
    assert.equal(point!.karpFlatt, undefined);
    assert.equal(analysis.model, undefined);
  });

  it("under weak scaling, compares each size with its own sequential run and fits Gustafson", () => {
    const { points, model, baselines } = analyze(sampleResults).workloads[1]!;
    assert.deepEqual(
      baselines.map((b) => [b.size, b.stats.medianMs]),
      [
        [100_000, 500],
        [200_000, 1004],
        [400_000, 2000],
      ],
    );
    close(points[1]!.speedup, 1004 / 555);
    close(points[2]!.speedup, 2000 / 1100);
    assert.equal(model!.law, gustafson);
    assert.deepEqual(model!.fittedWorkers, [2]);
    close(model!.serialFraction, 2 - 1004 / 555); // p - S = f (p - 1) at p = 2
    close(model!.predictions[3]!.speedup, 64 - (2 - 1004 / 555) * 63, 1e-9);
  });

  it("property: speedups generated from a serial fraction fit back to it (Amdahl and Gustafson)", () => {
    const workersArb = fc.uniqueArray(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 });
    const withAParallelRun = workersArb.filter((ws) => ws.some((w) => w > 1));
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 0.9, noNaN: true }),
        withAParallelRun,
        fc.constantFrom<ScalingKind>("strong", "weak"),
        (f, workers, scaling) => {
          const law = scaling === "strong" ? amdahl : gustafson;
          const speedups = workers.map((w) => ({ workers: w, speedup: law.speedup(f, w) }));
          const model = analyzeWorkload(workloadWithSpeedups(speedups, scaling), 64).model;
          assert.ok(model !== undefined);
          assert.equal(model.law, law);
          close(model.serialFraction, f, 1e-9);
        },
      ),
      runs,
    );
  });
});
