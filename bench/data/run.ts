// `npm run bench:data` (issue 14, item 6): a benchmark at scale, not a timed test. For each size it
// generates (or finds cached) a web access log and a user table from a seed, then runs four
// workloads (word count, group-by-key with a sum, a distinct count, a join with the table) on four
// contenders side by side: a hand-written sequential readline loop, weft on 1 and on 2 workers, and
// Dask bag on 2 worker processes. Each contender is a process of its own, started for each size and
// workload and warmed up with one run on a small log of the same kind; then the runs take turns, so
// every comparison is of runs made back to back. Every answer is checked against the readline loop's. Each
// run's peak RSS is measured for the calling process and every worker process. Prints a table, saves
// bench/results/data.json, and with --publish docs/results/data.json for npm run docs:results.
//
// Usage: npm run bench:data -- [--sizes 1,2,4 | --gb N] [--quick] [--repeat 3] [--seed 1] [--dir D]
//        [--workloads join,distinct] [--backend processes|threads] [--python /usr/bin/python3] [--publish]
//        npm run bench:data -- --parquet [...]: the Parquet query beside DuckDB instead (parquet-query.ts)
//        npm run bench:data -- --csv [...]: the same query on CSV beside Dask instead (csv-query.ts)
//        npm run bench:data -- --sinks [...]: the part files each sink writes instead (sink-parts.ts)
import { execFile, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import { commandLine, publish, publishedMeta, resultsDirectory } from "../../src/scaling/publish.ts";
import { sameAnswer, type Answer } from "./answers.ts";
import type { RunSample } from "./contender.ts";
import {
  checkDask,
  startDaskContender,
  startNodeContender,
  tsxLoader,
  type Contender,
  type DaskInfo,
} from "./contenders.ts";
import { defaultDataDir, type DataFiles } from "./generate.ts";
import { printReport } from "./print.ts";
import {
  contenderNames,
  spread,
  type ContenderName,
  type DataReport,
  type SizeResult,
  type Spread,
  type WorkloadResult,
} from "./report.ts";
import { dataWorkloads, partitions, workloadNamed, type DataWorkload, type Files } from "./workloads.ts";

for (const [mode, script] of [
  ["--parquet", "./parquet-query.ts"],
  ["--csv", "./csv-query.ts"],
  ["--sinks", "./sink-parts.ts"],
] as const) {
  if (!process.argv.includes(mode)) continue;
  const rest = process.argv.slice(2).filter((arg) => arg !== mode);
  const path = fileURLToPath(new URL(script, import.meta.url));
  const child = spawnSync(process.execPath, ["--import", "tsx", path, ...rest], { stdio: "inherit" });
  process.exit(child.status ?? 1);
}

const { values: args } = parseArgs({
  options: {
    repeat: { type: "string", default: "3" },
    quick: { type: "boolean", default: false },
    // Also save the results as docs/results/data.json, for npm run docs:results.
    publish: { type: "boolean", default: false },
    sizes: { type: "string" },
    gb: { type: "string" },
    // Some of the workloads only, to measure one again with more runs; not with --publish.
    workloads: { type: "string" },
    seed: { type: "string", default: "1" },
    dir: { type: "string", default: defaultDataDir },
    backend: { type: "string", default: "processes" },
    python: { type: "string", default: "/usr/bin/python3" },
  },
});
const repeat = Number(args.repeat);
if (!Number.isInteger(repeat) || repeat < 1) throw new Error("--repeat must be a positive integer");
const quick = args.quick;
const sizesGb = (args.gb ?? args.sizes ?? (quick ? "0.02,0.04,0.08" : "1,2,4"))
  .split(",")
  .map(Number)
  .sort((a, b) => a - b);
if (sizesGb.some((gb) => !(gb > 0))) throw new Error("--sizes must be positive numbers of GB, like 1,2,4");
const workloads = args.workloads?.split(",").map(workloadNamed) ?? dataWorkloads;
if (args.publish && new Set(workloads).size < dataWorkloads.length)
  throw new Error("--publish runs every workload (the README's table has them all): leave out --workloads");
const seed = Number(args.seed);
const backend = args.backend;
if (backend !== "processes" && backend !== "threads")
  throw new Error("--backend must be processes or threads");
const weftBackend: "processes" | "threads" = backend;
if (args.publish) resultsDirectory(); // fails now, not after the run, when there is nowhere to publish
checkDask(args.python);
const published = publishedMeta(commandLine("npm run bench:data", process.argv.slice(2)), quick);
const resultsPath = fileURLToPath(new URL("../results/data.json", import.meta.url));
const generateScript = fileURLToPath(new URL("./generate.ts", import.meta.url));
const workers = 2;
/** weft's memory budget per worker, set rather than left to the default so the target can name it. */
const memoryBudgetMb = 128;
/**
 * Each contender's warm-up is a run of the workload on a log of this size, from the same seed: it
 * loads what the runs will load (weft's file and shuffle modules in its workers, the tasks, Dask's
 * modules in its pool) and gets the JIT going, at every size, so each timed run and each worker's
 * growth in memory is of a warm process, and a warm-up costs a second, not a run at full size.
 */
const warmUpGb = 0.01;
/**
 * weft-2 over the readline loop at the largest size, every workload: the issue asked for 1.8x; the bar
 * for every shape of work on 2 cores is 1.9x, which supersedes it.
 */
const minSpeedup = 1.9;
const mb = (bytes: number) => bytes / 1e6;
const log = (line: string) => console.error(line);

/** The files for one size, generated in a child process (with a small young generation) unless cached. */
async function dataFor(gb: number): Promise<DataFiles> {
  const generate = [generateScript, "--gb", String(gb), "--seed", String(seed), "--dir", args.dir];
  const child = promisify(execFile)(
    process.execPath,
    ["--max-semi-space-size=8", "--import", tsxLoader, ...generate],
    { encoding: "utf8" },
  );
  child.child.stderr?.pipe(process.stderr);
  return JSON.parse((await child).stdout) as DataFiles;
}

/** Dask's partition size: about 16 partitions for two workers, between 1 MiB and 64 MiB. */
function daskBlocksize(bytes: number): number {
  return Math.min(64 * 2 ** 20, Math.max(2 ** 20, Math.ceil(bytes / 16)));
}

/** Time of `a` over time of `b`, run by run. */
function ratios(a: readonly RunSample[], b: readonly RunSample[]): Spread {
  return spread(a.map((sample, i) => sample.ms / b[i]!.ms));
}

function byContender<V>(value: (name: ContenderName) => V): Record<ContenderName, V> {
  const record = {} as Record<ContenderName, V>;
  for (const name of contenderNames) record[name] = value(name);
  return record;
}

let perRunPeaks = true;
let daskInfo: DaskInfo | undefined;

/** Starts every contender on `files`: each a fresh process, so that no other workload's heap is in its peaks. */
async function startContenders(files: Files, blocksize: number): Promise<Map<ContenderName, Contender>> {
  const contenders = new Map<ContenderName, Contender>();
  try {
    contenders.set("readline", await startNodeContender("readline", { kind: "readline", files }));
    for (const n of [1, workers]) {
      const name = `weft-${n}` as ContenderName;
      const spec = { kind: "weft", backend: weftBackend, workers: n, memoryBudgetMb, files } as const;
      contenders.set(name, await startNodeContender(name, spec));
    }
    const dask = await startDaskContender("dask-2", args.python, files, workers, blocksize);
    contenders.set("dask-2", dask);
    daskInfo = dask.info;
    return contenders;
  } catch (error) {
    await closeAll(contenders);
    throw error;
  }
}

async function closeAll(contenders: Map<ContenderName, Contender>): Promise<void> {
  await Promise.all([...contenders.values()].map((c) => c.close()));
}

/**
 * One workload on one size: a warm-up run of each contender on `warmUp`'s small log, then `repeat`
 * rounds in which they take turns. Every answer must be the readline loop's.
 */
async function runWorkload(
  gb: number,
  workload: DataWorkload,
  data: DataFiles,
  warmUp: DataFiles,
): Promise<WorkloadResult> {
  const contenders = await startContenders(data, daskBlocksize(data.bytes));
  const samples = new Map<ContenderName, RunSample[]>(contenderNames.map((name) => [name, []]));
  let expected: Answer | undefined;
  try {
    for (let round = 0; round <= repeat; round++) {
      const line: string[] = [];
      // The warm-up's answers are checked too, against the loop's on the small log.
      if (round === 1) expected = undefined;
      for (const name of contenderNames) {
        const sample = await contenders.get(name)!.run(workload.name, round === 0 ? warmUp : undefined);
        expected ??= sample.answer;
        if (!sameAnswer(sample.answer, expected)) {
          throw new Error(
            `${round === 0 ? warmUpGb : gb} GB ${workload.name}: ${name} answered ${JSON.stringify(sample.answer)}, ` +
              `the readline loop ${JSON.stringify(expected)}`,
          );
        }
        if (round === 0) continue;
        perRunPeaks &&= sample.perRun;
        samples.get(name)!.push(sample);
        line.push(`${name} ${Math.round(sample.ms)} ms`);
      }
      if (round > 0) log(`  ${workload.name} run ${round}: ${line.join(", ")}`);
    }
  } finally {
    await closeAll(contenders);
  }
  const of = (name: ContenderName) => samples.get(name)!;
  return {
    name: workload.name,
    summary: workload.summary,
    answer: expected!,
    contenders: byContender((name) => ({
      ms: spread(of(name).map((s) => s.ms)),
      callerPeakMb: of(name).map((s) => mb(s.callerPeakBytes ?? NaN)),
      workerPeakMb: of(name).flatMap((s) =>
        s.workerPeakBytes.length > 0 ? [mb(Math.max(...s.workerPeakBytes))] : [],
      ),
      workerGrowthMb: of(name).flatMap((s) =>
        s.workerGrowthBytes.length > 0 ? [mb(Math.max(...s.workerGrowthBytes))] : [],
      ),
    })),
    speedup: ratios(of("readline"), of("weft-2")),
    twoWorkersOverOne: ratios(of("weft-1"), of("weft-2")),
    weftOverDask: ratios(of("dask-2"), of("weft-2")),
  };
}

async function runSize(gb: number, warmUp: DataFiles): Promise<SizeResult> {
  const data = await dataFor(gb);
  log(
    `${gb} GB: ${data.bytes.toLocaleString("en-US")} bytes, ${data.lines.toLocaleString("en-US")} lines, ` +
      `${data.userRows.toLocaleString("en-US")} users${data.generated ? "" : " (cached)"}`,
  );
  const results: WorkloadResult[] = [];
  for (const workload of workloads) results.push(await runWorkload(gb, workload, data, warmUp));
  const peakRssMb = byContender((name) => {
    const runs = results.map((w) => w.contenders[name]);
    const workerPeaks = runs.flatMap((r) => r.workerPeakMb);
    return {
      caller: Math.max(...runs.flatMap((r) => r.callerPeakMb)),
      workers: workerPeaks.length > 0 ? Math.max(...workerPeaks) : undefined,
    };
  });
  return {
    gb,
    bytes: data.bytes,
    lines: data.lines,
    userRows: data.userRows,
    daskBlocksize: daskBlocksize(data.bytes),
    daskPartitions: daskInfo!.partitions,
    workloads: results,
    peakRssMb,
  };
}

const warmUp = await dataFor(warmUpGb);
const sizes: SizeResult[] = [];
for (const gb of sizesGb) sizes.push(await runSize(gb, warmUp));

const largest = sizes.at(-1)!;
const byWorkload = (value: (w: WorkloadResult) => number) =>
  Object.fromEntries(largest.workloads.map((w) => [w.name, value(w)]));
const weftCallerPeak = (size: SizeResult) =>
  Math.max(size.peakRssMb["weft-1"].caller, size.peakRssMb["weft-2"].caller);
const flatRatio = sizes.length > 1 ? weftCallerPeak(largest) / weftCallerPeak(sizes[0]!) : undefined;
const workerGrowths = sizes.flatMap((s) =>
  s.workloads.flatMap((w) => [
    ...w.contenders["weft-1"].workerGrowthMb,
    ...w.contenders["weft-2"].workerGrowthMb,
  ]),
);
const budgetMb = (memoryBudgetMb * 2 ** 20) / 1e6;
const speedups = byWorkload((w) => w.speedup.median);
const daskFactors = byWorkload((w) => w.weftOverDask.median);

const report: DataReport = {
  meta: {
    ...published,
    repeat,
    warmUpGb,
    memoryBudgetMb,
    seed,
    sizesGb,
    backend: weftBackend,
    perRunPeaks,
    dask: {
      interpreter: args.python,
      dask: daskInfo!.dask,
      python: daskInfo!.python,
      scheduler: daskInfo!.scheduler,
      workers: daskInfo!.workers,
    },
    memoryGb: totalmem() / 1e9,
  },
  sizes,
  targets: {
    speedup: {
      target: `>= ${minSpeedup}x the sequential readline loop, weft on 2 workers, every workload`,
      value: speedups,
      pass: Object.values(speedups).every((x) => x >= minSpeedup),
    },
    callerPeakRss: {
      target: "<= 200 MB, weft's calling process, every size and workload",
      value: Math.max(...sizes.map(weftCallerPeak)),
      pass: sizes.every((s) => weftCallerPeak(s) <= 200),
    },
    flatAcrossSizes: {
      target: "weft's calling process peaks at most 1.2x higher at the largest size than at the smallest",
      value: flatRatio,
      pass: flatRatio === undefined ? undefined : flatRatio <= 1.2,
    },
    fasterThanDask: {
      target: "faster than Dask bag on 2 workers (the factor is Dask's time over weft-2's), every workload",
      value: daskFactors,
      pass: Object.values(daskFactors).every((x) => x > 1),
    },
    workerPeakRss: {
      target:
        `every worker within its budget: its RSS rises in a run by at most memoryBudgetMb ` +
        `(${memoryBudgetMb} MiB, ${budgetMb.toFixed(0)} MB) over what it held before the run ` +
        `(the join's: once its user table is loaded)`,
      value: workerGrowths.length > 0 ? Math.max(...workerGrowths) : undefined,
      pass: workerGrowths.length > 0 ? workerGrowths.every((g) => g <= budgetMb) : undefined,
    },
  },
  notes: [
    "join: the user table is small, so every contender joins it as a broadcast hash join, the plan " +
      "Spark picks for a table under its broadcast threshold: the table in a dict or Map, then one pass " +
      "over the log. weft's workers each load it (pool.broadcast) and sum bytes per country " +
      "(reduceByKey); Dask's worker processes each load it once a run and sum with foldby; the readline " +
      "loop loads it, then reads the log. Each loads the table inside its timed run. A weft worker's " +
      "memory is measured from after it has loaded the table: the table is the task's own data, kept " +
      "for later jobs like any value a task module holds, not records weft holds for the job (the " +
      "worker peak column still counts it).",
    "distinct: weft maps each line to its user and runs distinct() with partitions; Dask uses " +
      "bag.distinct(). weft's keyed results stay on the workers, partition by partition: the answer's " +
      "digest (answers.ts) is computed there too, inside the timed run, and only it comes back; the " +
      "readline loop's digest is computed after its clock stops.",
    `Every shuffle has ${partitions} partitions (four per worker, the default), and each worker a memory ` +
      `budget of ${memoryBudgetMb} MiB for keyed records.`,
    `weft-1 and weft-2 use the ${backend} backend` +
      (backend === "threads" ? ": its workers are threads, so the caller's RSS includes them." : ".") +
      " Each contender is a process of its own, started afresh for each size and workload, so its peaks " +
      `hold no other workload's heap, and warmed up with one untimed run on a log of ${warmUpGb * 1000} MB ` +
      "from the same seed (it loads the modules the runs need and gets the JIT going); the readline loop reads " +
      "fs.createReadStream's default 64 KiB chunks. Its groupby peak is high because each route key is " +
      "a V8 sliced string of its line, itself a slice of readline's 64 KiB chunk, which the Map keeps alive " +
      "(copying the key flattens it); weft's lines are strings of their own, so its keys hold a line at most.",
    `Dask ${daskInfo!.dask} (Debian python3-dask, ${args.python}): dask.bag.read_text with a blocksize of ` +
      "about a 16th of the file (1 to 64 MiB), the multiprocessing scheduler on a warm pool of 2 " +
      "spawn-context processes (dask.config scheduler='processes', pool=).",
    perRunPeaks
      ? "Peak RSS is each run's own: VmHWM from /proc/<pid>/status, reset before each run by writing 5 to " +
        "/proc/<pid>/clear_refs, for the calling process and each worker process (after a gc in Node callers)."
      : "Peak RSS could not be reset per run here (/proc/<pid>/clear_refs): the peaks are each process's " +
        "lifetime VmHWM, over the warm-up and the runs.",
  ],
};

writeFileSync(resultsPath, `${JSON.stringify(report, null, 2)}\n`);
printReport(report);
console.log(`saved ${resultsPath}`);
if (args.publish) log(`published ${publish("data.json", report)}; now run npm run docs:results`);
