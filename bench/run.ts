// `npm run bench`: runs the workloads on weft, sequential code and the peer pools, prints a table, saves JSON
// (and with --publish, the copy in docs/results/ that the README's benchmark table is rendered from).
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { weft } from "../src/index.ts";
import { commandLine, publish, publishedMeta, resultsDirectory } from "../src/scaling/publish.ts";
import { mixRounds } from "../src/workloads/kernels/mix.ts";
import { contenders, faultTolerance } from "./contenders.ts";
import { CoreBalanceCheck, maxImbalance, type CoreBalance } from "./core-balance.ts";
import { measureWorkload, WrongAnswerError, type Entry, type Measurement } from "./measure.ts";
import { overheadJobs } from "./overhead/jobs.ts";
import { measureOverhead } from "./overhead/measure.ts";
import { overheadRow, overheadTargetNs, type OverheadReport } from "./overhead/stats.ts";
import { measureTelemetry, type TelemetryReport } from "./telemetry/measure.ts";
import { formatReport, toRows, writeReport, type Report, type Startup } from "./report.ts";
import { workloadNames, workloads } from "./workloads/all.ts";
import { tiny } from "./workloads/tiny.ts";

// The setting: two workers for every pool (the reference machine has two cores).
const workers = 2;
const resultsPath = fileURLToPath(new URL("./results/latest.json", import.meta.url));

/** The overhead section, which `--only` can pick like a workload. */
const overheadSection = "overhead";
/** The telemetry section: what tracing costs on the workloads with the most chunks. */
const telemetrySection = "telemetry";
const telemetryWorkloads = ["fine", "skewed", "submit"] as const;
const sections: readonly string[] = [...workloadNames, overheadSection, telemetrySection];

const usage = `usage: npm run bench -- [--repeat N] [--only ${sections.join(",")}] [--quick] [--publish]
  --repeat N   timed runs per workload and contender, after one warm-up; the median is reported (default 3);
               also the rounds of the per-item overhead measurement
  --only LIST  run only these workloads (and "${overheadSection}": the per-item overhead; "${telemetrySection}": what
               tracing costs), comma-separated
  --quick      small sizes, for a smoke run
  --publish    also save the results as docs/results/bench.json, for npm run docs:results`;

function options() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        repeat: { type: "string", default: "3" },
        only: { type: "string" },
        quick: { type: "boolean", default: false },
        publish: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1) throw new UsageError(`--repeat must be a positive integer`);
  const only = values.only?.split(",").map((s) => s.trim()) ?? sections;
  const unknown = only.filter((name) => !sections.includes(name));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown workload(s): ${unknown.join(", ")}; the choices are ${sections.join(", ")}`,
    );
  }
  if (values.publish && values.only !== undefined) {
    throw new UsageError("--publish stores the whole table the docs quote: leave out --only");
  }
  return {
    repeat,
    only: workloadNames.filter((name) => only.includes(name)),
    overhead: only.includes(overheadSection),
    telemetry: only.includes(telemetrySection),
    quick: values.quick,
    publish: values.publish,
    help: values.help,
  };
}

class UsageError extends Error {}

async function main(): Promise<void> {
  const opts = options();
  if (opts.help) return console.log(usage);
  if (opts.publish) resultsDirectory(); // fails now, not after the run, when there is nowhere to publish
  const selected = opts.only.map((name) => workloads[name](opts.quick));
  const log = (line: string) => console.error(line);
  log(
    `weft bench: ${workers} workers, ${opts.repeat} timed runs each, ${opts.quick ? "quick" : "full"} sizes`,
  );
  const published = publishedMeta(commandLine("npm run bench", process.argv.slice(2)), opts.quick);
  const loadBefore = published.loadAverage;
  // Other processes on the cores make every parallel number lower and noisier; say so rather than hide it.
  if (loadBefore > 0.5)
    log(`warning: load average is ${loadBefore.toFixed(2)} before starting; timings will be noisy`);

  const entries: Entry[] = [];
  const startup: Startup[] = [];
  const measurements: Measurement[] = [];
  let overhead: OverheadReport | undefined;
  let telemetry: TelemetryReport | undefined;
  // Started at the first round, after the contenders' startups were timed, so as not to compete with them.
  let balance: CoreBalanceCheck | undefined;
  const balances: CoreBalance[] = [];
  const beforeRound = async () => {
    balance ??= new CoreBalanceCheck(workers);
    const checked = await balance.waitForBalance();
    balances.push(checked);
    if (checked.unbalanced)
      log(`  warning: the cores still run ${checked.imbalance.toFixed(2)}x apart; this round's times say so`);
  };
  try {
    // One at a time, so no contender's startup competes with another's for the cores; none without workloads.
    for (const contender of selected.length === 0 ? [] : contenders) {
      const t0 = performance.now();
      const started = await contender.start(workers);
      const startMs = performance.now() - t0;
      entries.push({ name: contender.name, started });
      await started.ping();
      startup.push({ contender: contender.name, startMs, firstResultMs: performance.now() - t0 });
    }
    for (const workload of selected) {
      log(`${workload.name}: ${workload.size}`);
      for (const m of await measureWorkload(entries, workload, opts.repeat, beforeRound)) {
        measurements.push(m);
        log(
          `  ${m.contender.padEnd(11)} median ${m.medianMs.toFixed(1)} ms${m.extrapolated ? " (extrapolated)" : ""}`,
        );
      }
    }
    // After the other pools have stopped, so that nothing else of this run is on the cores.
    await Promise.all(entries.splice(0).map((e) => e.started.close()));
    overhead = opts.overhead
      ? await measureOverheads(tiny(opts.quick).items, opts.repeat, log, beforeRound)
      : undefined;
    if (opts.telemetry) {
      log(`telemetry: ${telemetryWorkloads.join(", ")}, without and with a tracer and a meter`);
      const traced = telemetryWorkloads.map((name) => workloads[name](opts.quick));
      telemetry = await measureTelemetry(traced, workers, opts.repeat, beforeRound);
      for (const r of telemetry.rows)
        log(
          `  ${r.workload.padEnd(10)} off ${r.offMs.toFixed(1)} ms, on ${r.onMs.toFixed(1)} ms (${r.spans} spans)`,
        );
    }
  } finally {
    await Promise.all([...entries.map((e) => e.started.close()), balance?.close()]);
  }

  const rows = toRows(measurements, selected);
  const meta = {
    ...published,
    workers,
    repeat: opts.repeat,
    workloads: opts.only,
    loadAverageAfter: loadavg()[0] ?? 0,
    faults: faultTolerance,
    speedup: "plain loop (the sequential contender) median / contender median, both measured in this run",
    coreBalance: {
      checks: balances.length,
      worstImbalance: Math.max(1, ...balances.map((b) => b.imbalance)),
      unbalancedRounds: balances.filter((b) => b.unbalanced).length,
    },
  };
  const title =
    `weft bench ${meta.date}: commit ${meta.commit ?? "?"}, node ${meta.node}, ${meta.cores} cores, ` +
    `${workers} workers, median of ${opts.repeat} runs${opts.quick ? ", quick sizes" : ""}`;
  console.log(formatReport(title, rows, startup, overhead, telemetry));
  const report: Report = {
    meta,
    startup,
    results: rows,
    ...(overhead && { overhead }),
    ...(telemetry && { telemetry }),
  };
  const { checks, worstImbalance, unbalancedRounds } = meta.coreBalance;
  log(
    `core balance: ${checks} checks before rounds, worst ${worstImbalance.toFixed(2)}x apart when a round ran ` +
      `(a round waits for ${maxImbalance}x or less), ${unbalancedRounds} rounds ran unbalanced`,
  );
  await writeReport(resultsPath, report);
  log(`saved ${resultsPath}`);
  if (opts.publish) log(`published ${publish("bench.json", report)}; now run npm run docs:results`);
}

/** What weft adds per item over a plain loop, on the tiny kernel, on a pool of one worker thread. */
async function measureOverheads(
  items: number,
  rounds: number,
  log: (line: string) => void,
  beforePair: () => Promise<void>,
): Promise<OverheadReport> {
  log(`overhead: ${overheadJobs.length} jobs on ${items.toLocaleString("en-US")} items, 1 worker thread`);
  const pool = await weft({ backend: "threads", workers: 1 });
  try {
    const samples = await measureOverhead(pool, overheadJobs, items, rounds, beforePair);
    const jobs = samples.map((s) => overheadRow(s, items));
    for (const j of jobs) log(`  ${j.job.padEnd(10)} ${j.overheadNsPerItem.toFixed(1)} ns per item`);
    return {
      kernel: `mix (${mixRounds} rounds of Math.imul and xor-shift)`,
      items,
      backend: "threads",
      workers: 1,
      rounds,
      targetNsPerItem: overheadTargetNs,
      jobs,
    };
  } finally {
    await pool.close();
  }
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) console.error(`${error.message}\n${usage}`);
  else if (error instanceof WrongAnswerError) console.error(`bench aborted: ${error.message}`);
  else console.error("bench aborted:", error);
  process.exitCode = 1;
});
