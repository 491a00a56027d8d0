// `npm run bench`: runs the workloads on weft, sequential code and the peer pools, prints a table, saves JSON
// (and with --publish, the copy in docs/results/ that the README's benchmark table is rendered from).
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { commandLine, publish, publishedMeta, resultsDirectory } from "../src/bench/publish.ts";
import { contenders, faultTolerance } from "./contenders.ts";
import { measureWorkload, WrongAnswerError, type Entry, type Measurement } from "./measure.ts";
import { formatReport, toRows, writeReport, type Report, type Startup } from "./report.ts";
import { workloadNames, workloads } from "./workloads/all.ts";
import type { WorkloadName } from "./workloads/workload.ts";

// The setting: two workers for every pool (the reference machine has two cores).
const workers = 2;
const resultsPath = fileURLToPath(new URL("./results/latest.json", import.meta.url));

const usage = `usage: npm run bench -- [--repeat N] [--only ${workloadNames.join(",")}] [--quick] [--publish]
  --repeat N   timed runs per workload and contender, after one warm-up; the median is reported (default 3)
  --only LIST  run only these workloads, comma-separated
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
  const only = values.only?.split(",").map((s) => s.trim()) ?? workloadNames;
  const unknown = only.filter((name) => !(workloadNames as string[]).includes(name));
  if (unknown.length > 0) throw new UsageError(`unknown workload(s): ${unknown.join(", ")}`);
  if (values.publish && values.only !== undefined) {
    throw new UsageError("--publish stores the whole table the docs quote: leave out --only");
  }
  return {
    repeat,
    only: only as WorkloadName[],
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
  try {
    // One at a time, so no contender's startup competes with another's for the cores.
    for (const contender of contenders) {
      const t0 = performance.now();
      const started = await contender.start(workers);
      const startMs = performance.now() - t0;
      entries.push({ name: contender.name, started });
      await started.ping();
      startup.push({ contender: contender.name, startMs, firstResultMs: performance.now() - t0 });
    }
    for (const workload of selected) {
      log(`${workload.name}: ${workload.size}`);
      for (const m of await measureWorkload(entries, workload, opts.repeat)) {
        measurements.push(m);
        log(
          `  ${m.contender.padEnd(10)} median ${m.medianMs.toFixed(1)} ms${m.extrapolated ? " (extrapolated)" : ""}`,
        );
      }
    }
  } finally {
    await Promise.all(entries.map((e) => e.started.close()));
  }

  const rows = toRows(measurements, selected);
  const meta = {
    ...published,
    workers,
    repeat: opts.repeat,
    workloads: opts.only,
    loadAverageAfter: loadavg()[0] ?? 0,
    faults: faultTolerance,
    speedup: "sequential median / contender median, both measured in this run",
  };
  const title =
    `weft bench ${meta.date}: commit ${meta.commit ?? "?"}, node ${meta.node}, ${meta.cores} cores, ` +
    `${workers} workers, median of ${opts.repeat} runs${opts.quick ? ", quick sizes" : ""}`;
  console.log(formatReport(title, rows, startup));
  const report: Report = { meta, startup, results: rows };
  await writeReport(resultsPath, report);
  log(`saved ${resultsPath}`);
  if (opts.publish) log(`published ${publish("bench.json", report)}; now run npm run docs:results`);
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) console.error(`${error.message}\n${usage}`);
  else if (error instanceof WrongAnswerError) console.error(`bench aborted: ${error.message}`);
  else console.error("bench aborted:", error);
  process.exitCode = 1;
});
