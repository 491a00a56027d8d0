// `npm run simulate` (issue 17, item 3): how far one coordinator and one Redis carry a cluster. The
// model (cluster-model.ts) drives weft's own Scheduler with simulated time for a job of 10 million
// items of heavy-tailed cost on clusters of 2 to 1,000 threads, with threads of different speeds, a
// few joining and a few dying mid-job, and each chunk charged the coordinator's and Redis's CPU time
// per chunk as measured on a real cluster (the constants below). Prints a table, saves
// bench/results/simulate.json, and with --publish docs/results/simulate.json for npm run docs:results.
//
// Usage: npm run simulate -- [--threads 2,10,...] [--items 10000000] [--seed 1] [--publish]
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { commandLine, publish, publishedMeta, resultsDirectory } from "../../src/scaling/publish.ts";
import { simulate, seeded, type ModelResult, type ModelSettings } from "./cluster-model.ts";
import { chunkLoadMs } from "../../src/backends/redis/redis-backend.ts";
import type { SimulateReport } from "./report.ts";

const { values: args } = parseArgs({
  options: {
    threads: { type: "string", default: "2,10,50,100,200,500,1000" },
    items: { type: "string", default: "10000000" },
    seed: { type: "string", default: "1" },
    publish: { type: "boolean", default: false },
  },
});
const sizes = args.threads.split(",").map(Number);
const items = Number(args.items);
const seed = Number(args.seed);
if (sizes.some((n) => !(Number.isInteger(n) && n >= 1))) throw new Error("--threads: positive integers");
if (!(Number.isInteger(items) && items >= 1)) throw new Error("--items must be a positive integer");
if (args.publish) resultsDirectory();

/**
 * Measured on this project's machines: one coordinator and two `weft worker` processes of one thread
 * on one Redis 7, 2,000 chunks of one item each (INFO commandstats and INFO cpu before and after, and
 * the coordinator's process.cpuUsage()): Redis 0.11 to 0.12 ms of CPU and 5.0 commands per chunk,
 * the coordinator 0.16 to 0.24 ms. The model takes the middle of each.
 */
const measured = { redisMsPerChunk: 0.115, coordinatorMsPerChunk: 0.2, redisCommandsPerChunk: 5.0 };
/** Item costs: Pareto with α 1.5 (heavy-tailed, irregular from one item to the next), mean 1 ms. */
const pareto = { alpha: 1.5, meanMs: 1, capTimesMean: 200 };
const rttRange = [0.3, 2] as const;
const slownessRange = [0.8, 1.6] as const;

const logUniform = ([low, high]: readonly [number, number], random: () => number) =>
  low * (high / low) ** random();

function itemCosts(): Float64Array {
  const random = seeded(seed * 7919);
  const xm = (pareto.meanMs * (pareto.alpha - 1)) / pareto.alpha;
  const cap = pareto.capTimesMean * pareto.meanMs;
  const sums = new Float64Array(items + 1);
  for (let i = 0; i < items; i++) {
    const cost = Math.min(cap, xm / (1 - random()) ** (1 / pareto.alpha));
    sums[i + 1] = sums[i]! + cost;
  }
  return sums;
}

const costs = itemCosts();
const base: Omit<ModelSettings, "threads" | "joins" | "deaths" | "chunkLoadMs"> = {
  costs,
  rttMs: (random) => logUniform(rttRange, random),
  slowness: (random) => logUniform(slownessRange, random),
  ...measured,
  slotsPerThread: 2,
  chunkTripMs: 2.5,
  detectMs: 1500,
  countMs: 1000,
  expireMs: 6000,
  seed,
};

/**
 * Each size twice: with the scheduler told nothing of the shared path's cost per chunk (chunks of
 * 40 ms at any size, the policy before), and told the Redis backend's `chunkLoadMs` (chunking.ts,
 * `loadShare`).
 */
const policies = { before: 0, after: chunkLoadMs } as const;

const runs: SimulateReport["runs"][number][] = [];
for (const threads of sizes) {
  const joins = Math.max(1, Math.round(threads * 0.05));
  const deaths = Math.max(1, Math.round(threads * 0.02));
  const started = performance.now();
  const [before, after] = [policies.before, policies.after].map((chunkLoadMs) => {
    const result = simulate({ ...base, threads, joins, deaths, chunkLoadMs });
    if (result.itemsCounted !== items) {
      throw new Error(`${threads} threads: the coordinator counted ${result.itemsCounted} of ${items} items`);
    }
    return result;
  }) as [ModelResult, ModelResult];
  runs.push({ threads, joins, deaths, before, after });
  console.error(`  ${threads} threads simulated in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

const report: SimulateReport = {
  meta: { ...publishedMeta(commandLine("npm run simulate", process.argv.slice(2)), false) },
  settings: {
    items,
    seed,
    pareto,
    rttMs: rttRange,
    slowness: slownessRange,
    ...measured,
    slotsPerThread: base.slotsPerThread,
    detectMs: base.detectMs,
    joinsPerCent: 5,
    deathsPerCent: 2,
  },
  runs,
};

const fixed = (x: number, digits = 0) => x.toFixed(digits);
const percent = (x: number) => `${(100 * x).toFixed(0)}%`;
const rows = [
  [
    "threads",
    "efficiency",
    "wall s",
    "coordinator busy",
    "Redis busy",
    "median chunk",
    "efficiency",
    "wall s",
    "coordinator busy",
    "Redis busy",
    "Redis cmd/s",
    "median chunk",
  ],
  ...runs.flatMap(({ threads, before, after }) => [
    [
      String(threads),
      ...[before, after].flatMap((r) => [
        percent(r.efficiency),
        fixed(r.wallMs / 1000, 1),
        percent(r.coordinatorBusy),
        percent(r.redisBusy),
        ...(r === after ? [fixed(r.redisCommandsPerSecond)] : []),
        `${fixed(r.medianChunkMs)} ms`,
      ]),
    ],
  ]),
];
console.log(
  "before: chunks of 40 ms at any size | after: the scheduler told each chunk's load on the coordinator and Redis",
);
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
for (const row of rows) console.log(row.map((cell, c) => cell.padStart(widths[c]!)).join("  "));

const resultsPath = fileURLToPath(new URL("../results/simulate.json", import.meta.url));
writeFileSync(resultsPath, `${JSON.stringify(report, null, 2)}\n`);
console.log(`saved ${resultsPath}`);
if (args.publish)
  console.error(`published ${publish("simulate.json", report)}; now run npm run docs:results`);
