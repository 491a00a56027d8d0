// A small hand-made benchmark run on a 2-core machine: one strong-scaling and one weak-scaling workload
// at 1, 2 and 4 workers, so every report has a fitted point, a p = 1 point and an oversubscribed one.
import type { BenchResults, ChunkBar } from "../../src/scaling/results.ts";

/**
 * Each worker runs `chunks` chunks of `chunkMs` back to back with a 1 ms dispatch gap, worker k
 * starting k ms late and its last chunk shorter, so the end shows an idle tail as real runs do.
 */
function timeline(workers: number, chunks: number, chunkMs: number): ChunkBar[] {
  const bars: ChunkBar[] = [];
  for (let worker = 0; worker < workers; worker++) {
    let t = worker;
    for (let c = 0; c < chunks; c++) {
      const duration = c === chunks - 1 ? chunkMs / (worker + 1) : chunkMs;
      bars.push({ worker, startMs: t, endMs: t + duration, items: Math.round(duration * 100) });
      t += duration + 1;
    }
  }
  return bars;
}

export const sampleResults: BenchResults = {
  version: 1,
  startedAt: "2025-01-02T03:04:05.000Z",
  machine: {
    cores: 2,
    cpu: "Test CPU @ 2.00GHz",
    node: "v20.20.0",
    platform: "linux x64",
    loadAverage: 0.25,
  },
  repeat: 5,
  complete: true,
  workloads: [
    {
      workload: "primes",
      description: "primes below 2,000,000",
      unit: "numbers",
      backend: "threads",
      scaling: "strong",
      sequential: [{ size: 2_000_000, items: 2_000_000, samplesMs: [1000, 1040, 980, 1010, 995] }],
      parallel: [
        {
          workers: 1,
          size: 2_000_000,
          items: 2_000_000,
          samplesMs: [1030, 1025, 1050, 1020, 1035],
          timeline: timeline(1, 10, 100),
        },
        {
          workers: 2,
          size: 2_000_000,
          items: 2_000_000,
          samplesMs: [545, 540, 560, 550, 538],
          timeline: timeline(2, 5, 105),
        },
        {
          workers: 4,
          size: 2_000_000,
          items: 2_000_000,
          samplesMs: [580, 570, 575, 590, 565],
          timeline: timeline(4, 3, 180),
        },
      ],
    },
    {
      workload: "synthetic",
      description: "100,000 items of 50 µs busy work",
      unit: "items",
      backend: "threads",
      scaling: "weak",
      knobs: { itemMicros: 50, serialFraction: 0.1 },
      sequential: [
        { size: 100_000, items: 100_000, samplesMs: [500, 505, 498] },
        { size: 200_000, items: 200_000, samplesMs: [1000, 1004, 1010] },
        { size: 400_000, items: 400_000, samplesMs: [2000, 1990, 2020] },
      ],
      parallel: [
        {
          workers: 1,
          size: 100_000,
          items: 100_000,
          samplesMs: [510, 512, 515],
          timeline: timeline(1, 4, 120),
        },
        {
          workers: 2,
          size: 200_000,
          items: 200_000,
          samplesMs: [550, 560, 555],
          timeline: timeline(2, 4, 130),
        },
        {
          workers: 4,
          size: 400_000,
          items: 400_000,
          samplesMs: [1100, 1120, 1090],
          timeline: timeline(4, 4, 260),
        },
      ],
    },
  ],
};
