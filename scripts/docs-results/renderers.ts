// One renderer per region name: what a generated region of the README or the guide holds, computed
// from the stored runs in docs/results/ alone. `npm run docs:results` writes what these return into
// the pages, and test/docs/results.test.ts checks that the pages still hold exactly that.
import { analyze, type ScalingPoint, type WorkloadAnalysis } from "../../src/scaling/analysis.ts";
import { describeFit, describePredictions, formatPercent } from "../../src/scaling/format.ts";
import { amdahl } from "../../src/scaling/models.ts";
import type { BenchResults } from "../../src/scaling/results.ts";
import type { InstallReport } from "../../bench/install/report.ts";
import type { IoReport } from "../../bench/io/report.ts";
import { renderScalingTable } from "../../src/scaling/table.ts";
import { benchRow, benchTable, definedSpeedup, faultCost, overheadTable, peerRows } from "./bench.ts";
import { weftContender } from "../../bench/contender-names.ts";
import { RenderError, storedPath, type RenderContext } from "./context.ts";
import { dataAbout, dataTable } from "./data-renderer.ts";
import { parquetAbout, parquetTable } from "./parquet-renderer.ts";
import { csvAbout, csvTable } from "./csv-renderer.ts";
import { pipeAbout, pipeTable } from "./pipe-renderer.ts";
import { replicasAbout, replicasRecovery, replicasTable } from "./replicas-renderer.ts";
import { simulateAbout, simulateChart, simulateTable } from "./simulate-renderer.ts";
import { about, compact, count, fence, ms, percent, range, seconds, speedup, table } from "./markdown.ts";

export { RenderError, type RenderContext } from "./context.ts";

export interface Renderer {
  /** A block region holds paragraphs, tables or code blocks; an inline one a phrase inside a sentence. */
  readonly kind: "block" | "inline";
  /** The arguments it takes, for messages; a last one starting with "..." takes one or more. */
  readonly args: readonly string[];
  render(context: RenderContext, args: readonly string[]): string;
}

// ---- weft bench: every workload at each worker count ----

function scalingResults(context: RenderContext): BenchResults {
  return context.stored.get("scaling").results;
}

function scalingWorkload(context: RenderContext, name: string): WorkloadAnalysis {
  const found = analyze(scalingResults(context)).workloads.find((w) => w.result.workload === name);
  if (!found) throw new RenderError(`${storedPath("scaling")} has no workload ${name}`);
  return found;
}

function point(context: RenderContext, workload: string, workers: string): ScalingPoint {
  const found = scalingWorkload(context, workload).points.find((p) => p.workers === Number(workers));
  if (!found) throw new RenderError(`${storedPath("scaling")} has no ${workload} run on ${workers} workers`);
  return found;
}

function defined<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new RenderError(`${storedPath("scaling")}: no ${what}`);
  return value;
}

function serialFraction(context: RenderContext, workload: string): number {
  return defined(scalingWorkload(context, workload).model, `model fitted for ${workload}`).serialFraction;
}

function scalingTable(context: RenderContext): string {
  const results = scalingResults(context);
  const { meta } = context.stored.get("scaling");
  const { cores } = results.machine;
  const analysis = analyze(results);
  if (analysis.workloads.some((w) => w.result.scaling !== "strong")) {
    throw new RenderError(
      `${storedPath("scaling")}: the table shows strong scaling; publish a run without --scaling weak`,
    );
  }
  const counts = [...new Set(analysis.workloads.flatMap((w) => w.points.map((p) => p.workers)))].sort(
    (a, b) => a - b,
  );
  const header = (workers: number) =>
    workers === 1
      ? "1 worker"
      : workers > cores
        ? `${workers} workers\\*`
        : `${workers} workers (efficiency)`;
  const rows = analysis.workloads.map((w) => {
    const builtIn = w.result.knobs?.serialFraction;
    const cells = counts.map((workers) => {
      const p = w.points.find((q) => q.workers === workers);
      if (p?.speedup === undefined) return "-";
      return workers > 1 && !p.oversubscribed
        ? `${speedup(p.speedup)} (${formatPercent(p.efficiency)})`
        : speedup(p.speedup);
    });
    return [
      builtIn === undefined ? w.result.workload : `${w.result.workload} (f = ${builtIn} built in)`,
      count(Math.round(defined(w.baselines[0], `sequential run of ${w.result.workload}`).stats.medianMs)),
      ...cells,
      w.model === undefined ? "-" : w.model.serialFraction.toFixed(2),
    ];
  });
  const widest = analysis.workloads
    .flatMap((w) => [
      ...w.baselines.map((b) => ({ what: `${w.result.workload}, sequential`, spread: b.stats.spread })),
      ...w.points.map((p) => ({
        what: `${w.result.workload}, ${p.workers} worker${p.workers === 1 ? "" : "s"}`,
        spread: p.parallel.spread,
      })),
    ])
    .sort((a, b) => b.spread - a.spread)[0];
  const over = counts.filter((c) => c > cores);
  const notes = [
    ...(over.length === 0
      ? []
      : [
          `\\* oversubscribed: ${over.join(" and ")} workers on ${cores} cores take turns; shown, not fitted.`,
        ]),
    `${capitalized(medians(results.repeat))} at the ${meta.quick ? "quick" : "default"} sizes, started at load ` +
      `average ${results.machine.loadAverage.toFixed(2)}.` +
      (widest === undefined
        ? ""
        : ` The widest spread, (max - min) / median, was ${formatPercent(widest.spread)} (${widest.what}).`),
  ];
  const headers = ["workload", "sequential ms", ...counts.map(header), "Amdahl f (model)"];
  return [table(headers, rows), notes.join(" ")].join("\n\n");
}

/** Amdahl's curves at the serial fractions fitted for `workloads`, highest curve first. */
function fittedCurves(context: RenderContext, workloads: readonly string[]) {
  return workloads.map((name) => ({ name, f: serialFraction(context, name) })).sort((a, b) => a.f - b.f);
}

const chartWorkers = [1, 2, 4, 8, 16, 32, 64];

function amdahlChart(context: RenderContext, workloads: readonly string[]): string {
  const curves = fittedCurves(context, workloads).map((c) => ({
    ...c,
    points: chartWorkers.map((p) => amdahl.speedup(c.f, p)),
  }));
  const top = Math.ceil(Math.max(...curves.flatMap((c) => c.points)) / 10) * 10;
  return fence(
    "mermaid",
    [
      "xychart-beta",
      `  title "Amdahl's law: speedup against workers, f = ${curves.map((c) => c.f.toFixed(2)).join(", ")} (top to bottom)"`,
      `  x-axis "workers" [${chartWorkers.join(", ")}]`,
      `  y-axis "speedup" 0 --> ${top}`,
      ...curves.map((c) => `  line [${c.points.map((s) => s.toFixed(1)).join(", ")}]`),
    ].join("\n"),
  );
}

/** Amdahl's ceiling, 1 / f: what no number of workers can pass. */
function limit(f: number): string {
  return f <= 0 ? "none" : `${(1 / f).toFixed(1 / f >= 10 ? 0 : 1)}x`;
}

function amdahlTable(context: RenderContext, workloads: readonly string[]): string {
  const { cores } = scalingResults(context).machine;
  const ahead = [4, 8, 16, 64].filter((p) => p > cores);
  const rows = fittedCurves(context, workloads).map(({ name, f }) => [
    `${name}, f = ${f.toFixed(2)}`,
    speedup(defined(point(context, name, String(cores)).speedup, `speedup of ${name} at ${cores} workers`)),
    ...ahead.map((p) => speedup(amdahl.speedup(f, p))),
    limit(f),
  ]);
  rows.push(["ideal, f = 0", `${cores}x`, ...ahead.map((p) => `${p}x`), "none"]);
  return table(["workers", `${cores} (measured)`, ...ahead.map(String), "limit, 1 / f"], rows);
}

/** The chunk bars of the median run of `workload` on `workers` workers. */
function timeline(context: RenderContext, workload: string, workers: string) {
  const series = scalingWorkload(context, workload).result.parallel.find(
    (s) => s.workers === Number(workers),
  );
  if (!series || series.timeline.length === 0) {
    throw new RenderError(`${storedPath("scaling")} has no timeline of ${workload} on ${workers} workers`);
  }
  return series.timeline;
}

// ---- npm run bench:cluster and npm run bench:server ----

function clusterTable(context: RenderContext): string {
  const { coarse, tiny, fine, chunkTrip, recovery, meta, manyWorkers, join, failover } =
    context.stored.get("cluster");
  const median = (samples: readonly number[]) => [...samples].sort((a, b) => a - b)[samples.length >> 1]!;
  const rows = [
    [
      "coarse, 2 worker processes against 1",
      `${ms(median(coarse.oneWorkerMs))} → ${ms(median(coarse.twoWorkersMs))}, **${speedup(coarse.speedup)}**`,
      target(coarse.target),
    ],
    [
      `tiny items (${count(tiny.items)}, tens of ns each), 2 worker processes against the plain loop`,
      `${ms(median(tiny.sequentialMs))} → ${ms(median(tiny.clusterMs))}, **${speedup(tiny.speedup)}**`,
      target(tiny.target),
    ],
    [
      `fine (${count(fine.items)} items, one \`map\`), cluster against the threads backend`,
      `${ms(median(fine.clusterMs))} against ${ms(median(fine.threadsMs))}, **${speedup(fine.clusterOverThreads)}** the time`,
      target(fine.target),
    ],
    [
      "fine, weft on the cluster against plain BullMQ, one job per item",
      `${compact(fine.weftItemsPerSecond)} items/s against ${compact(fine.bullmqItemsPerSecond)} items/s, ` +
        `**${fine.weftOverBullmq.toFixed(0)}x**`,
      target(fine.bullmqTarget),
    ],
    ...(tiny.redisCommandsPerChunk
      ? [
          [
            "Redis commands per chunk on tiny items (INFO commandstats, scripts' own commands counted)",
            `**${median(tiny.redisCommandsPerChunk).toFixed(1)}**`,
            "<= 5",
          ],
        ]
      : []),
    ...(manyWorkers
      ? [
          [
            `coarse, ${manyWorkers.workers} worker processes of one thread on ${meta.cores} cores (oversubscribed) against 1`,
            `${ms(median(coarse.oneWorkerMs))} → ${ms(median(manyWorkers.coarseMs))}, **${speedup(manyWorkers.coarseSpeedup)}**`,
            "",
          ],
          [
            `tiny items, ${manyWorkers.workers} worker processes (oversubscribed) against the plain loop`,
            `${ms(median(manyWorkers.tinySequentialMs))} → ${ms(median(manyWorkers.tinyClusterMs))}, **${speedup(manyWorkers.tinySpeedup)}**`,
            "",
          ],
          [
            `fine, ${manyWorkers.workers} worker processes (oversubscribed) against the threads backend`,
            `${ms(median(manyWorkers.fineMs))} against ${ms(median(fine.threadsMs))}, **${speedup(manyWorkers.fineOverThreads)}** the time`,
            "",
          ],
        ]
      : []),
    ...(join
      ? [
          [
            `a worker joining a job on 1 worker, ${seconds(join.joinAfterMs, 0)} in: its start, then its first chunk`,
            `serving ${ms(median(join.startupMs))} after its spawn, its first chunk ${ms(median(join.readyToChunkMs))} later`,
            "",
          ],
          [
            `that job (${count(join.items)} items): 1 worker all along, the worker joining, 2 all along`,
            `${ms(median(join.oneWorkerMs))}, ${ms(median(join.joinedMs))}, ${ms(median(join.twoWorkersMs))}: ` +
              `**${Math.round(100 * join.shareOfGain)}%** of a second worker's saving`,
            "",
          ],
        ]
      : []),
    [
      "a chunk's trip through Redis",
      `${chunkTrip.oneInFlightMsPerChunk.toFixed(2)} ms one at a time, ` +
        `${chunkTrip.manyInFlightMsPerChunk.toFixed(2)} ms with ${chunkTrip.slots} in flight`,
      "",
    ],
    [
      "recovery after a worker is SIGKILLed mid-chunk, every setting at its default",
      `the chunk finished ${seconds(recovery.recoveryMs, 1)} later`,
      "< 3 s",
    ],
    ...(failover
      ? (
          [
            ["Sentinel", failover.sentinel],
            ["a Redis Cluster", failover.cluster],
          ] as const
        ).map(([under, cost]) => [
          `the Redis primary SIGKILLed mid-job under ${under} (a primary down after ${seconds(failover.downAfterMs, 0)}; weft's defaults)` +
            (failover.meta.date === meta.date
              ? ""
              : `, measured on its own by \`${failover.meta.command}\` on ${failover.meta.date.slice(0, 10)} at commit \`${failover.meta.commit}\``),
          `the job took **${seconds(cost.costMs, 1)}** longer (${ms(median(cost.undisturbedMs))} undisturbed): ` +
            `the replica promoted ${seconds(median(cost.promotionMs), 1)} after the kill, the next chunk done ${seconds(median(cost.stallMs), 1)} after it`,
          "",
        ])
      : []),
  ];
  return table(["measure", "result", "target"], rows);
}

/** What a failover under `topology` added to the job, or what to run to measure it. */
function failoverCost(context: RenderContext, topology: "sentinel" | "cluster"): string {
  const { failover } = context.stored.get("cluster");
  return failover ? seconds(failover[topology].costMs, 1) : "not measured yet (npm run bench:cluster)";
}

/** A target as the cluster bench stores it (">= 1.8") in the table's words (">= 1.80x"). */
function target(stored: string): string {
  const [op, value] = stored.split(" ");
  const n = Number(value);
  return `${op} ${Number.isInteger(n) ? n : n.toFixed(2)}x`;
}

function medians(runs: number): string {
  return runs === 1 ? "one timed run each" : `medians of ${runs} timed runs`;
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function serverTable(context: RenderContext): string {
  const { routes } = context.stored.get("server");
  const rows = routes.map((r) => [
    `\`${r.route}\``,
    count(r.requests),
    count(r.errors),
    count(Math.round(r.requestsPerSecond)),
    r.latencyMs.p50.toFixed(1),
    r.latencyMs.p99.toFixed(1),
  ]);
  return table(["route", "requests", "errors", "requests/s", "p50 ms", "p99 ms"], rows);
}

// ---- weft demo ----

function installTable(context: RenderContext): string {
  const { installBytes, import: imported, poolAndOneItem, bareWorkers, meta } = context.stored.get("install");
  const timing = (t: InstallReport["import"]) => `${ms(t.medianMs)} (${ms(t.minMs)} to ${ms(t.maxMs)})`;
  return table(
    ["measure", "result", "target"],
    [
      [
        "`node_modules` of an empty project after `npm install weft`",
        `${(installBytes / 1e6).toFixed(1)} MB`,
        "",
      ],
      ['`import "weft"`', timing(imported), ""],
      [`a ${meta.workers}-worker pool started and one item's result`, timing(poolAndOneItem), "< 100 ms"],
      ["the floor: 2 bare `worker_threads` Workers, each answering one message", timing(bareWorkers), ""],
    ],
  );
}

function ioTable(context: RenderContext): string {
  const { idealMs, contenders }: IoReport = context.stored.get("io");
  const rows = [
    ["ideal: every call waits only for the service", ms(idealMs), "", "100%"],
    ...contenders.map((c) => [
      c.name,
      ms(c.medianMs),
      `${ms(c.minMs)} to ${ms(c.maxMs)}`,
      percent(idealMs / c.medianMs),
    ]),
  ];
  return table(["contender", "median", "range", "ideal / time"], rows);
}

function transferTable(context: RenderContext): string {
  const { rows } = context.stored.get("transfer");
  const alone = rows[0]!.medianMs;
  return table(
    ["how the result comes back", "median", "range", "over the task alone"],
    rows.map((r, i) => [
      r.name,
      ms(r.medianMs),
      `${ms(r.minMs)} to ${ms(r.maxMs)}`,
      i === 0 ? "" : ms(r.medianMs - alone),
    ]),
  );
}

function demoSentenceOfWorkers(context: RenderContext): string {
  const demo = context.stored.get("demo");
  const each = demo.perWorker.map(
    (w) => `worker ${w.worker} ran ${count(w.chunks)} (busy ${seconds(w.busyMs)})`,
  );
  return `${each.join(", ")}, in a parallel run of ${seconds(demo.parallelMs)}`;
}

function demoFormulas(context: RenderContext): string {
  const { sequentialMs, parallelMs, workers } = context.stored.get("demo");
  const s = sequentialMs / parallelMs;
  const e = (1 / s - 1 / workers) / (1 - 1 / workers);
  const f2 = (n: number) => n.toFixed(2);
  return (
    `S = ${f2(sequentialMs / 1000)} / ${f2(parallelMs / 1000)} = ${f2(s)}, ` +
    `E = ${f2(s)} / ${workers} = ${percent(s / workers)}, ` +
    `e = (1/${f2(s)} − 1/${workers}) / (1 − 1/${workers}) = ${f2(e)}`
  );
}

// ---- the registry ----

const block = (args: readonly string[], render: Renderer["render"]): Renderer => ({
  kind: "block",
  args,
  render,
});
const inline = (args: readonly string[], render: Renderer["render"]): Renderer => ({
  kind: "inline",
  args,
  render,
});

export const renderers: Readonly<Record<string, Renderer>> = {
  // npm run bench
  "bench.about": block([], (c) => {
    const { meta } = c.stored.get("bench");
    const details = `${meta.workers} workers for every pool, ${medians(meta.repeat)}`;
    return about(c.doc, storedPath("bench"), meta, details);
  }),
  "bench.table": block([], benchTable),
  "install.about": block([], (c) => {
    const { meta } = c.stored.get("install");
    return about(c.doc, storedPath("install"), meta, `medians of ${meta.repeat} fresh processes`);
  }),
  "install.table": block([], installTable),
  "io.about": block([], (c) => {
    const { meta } = c.stored.get("io");
    const details =
      `${count(meta.calls)} calls answered after ${meta.delayMs} ms each, ${meta.workers} workers running ` +
      `${meta.concurrency} calls each at once; medians of ${meta.repeat} runs, interleaved`;
    return about(c.doc, storedPath("io"), meta, details);
  }),
  "io.table": block([], ioTable),
  "transfer.about": block([], (c) => {
    const { meta } = c.stored.get("transfer");
    const details = `a task returns ${meta.megabytes} MB on a pool of one worker thread; medians of ${meta.repeat} runs, interleaved`;
    return about(c.doc, storedPath("transfer"), meta, details);
  }),
  "transfer.table": block([], transferTable),
  "bench.overhead": block([], overheadTable),
  "bench.speedup": inline(["workload", "contender"], (c, [w, who]) =>
    speedup(definedSpeedup(benchRow(c, w!, who!))),
  ),
  "bench.rate": inline(["workload", "contender"], (c, [w, who]) => {
    const row = benchRow(c, w!, who!);
    return `${compact(row.itemsPerSec)} ${row.unit}/s`;
  }),
  "bench.peer-speedups": inline(["workload"], (c, [w]) =>
    range(peerRows(c, w!).map(definedSpeedup), speedup),
  ),
  "bench.peer-rates": inline(["workload"], (c, [w]) => {
    const rows = peerRows(c, w!);
    return `${range(
      rows.map((r) => r.itemsPerSec),
      compact,
    )} ${rows[0]!.unit}/s`;
  }),
  "bench.size": inline(["workload"], (c, [w]) => benchRow(c, w!, weftContender).size),
  "bench.fault-settings": inline([], (c) => {
    const { faults } = c.stored.get("bench").meta;
    return `retries ${faults.retries} and a ${seconds(faults.timeout, 0)} timeout`;
  }),
  "bench.fault-cost": inline([], faultCost),

  // weft bench
  "scaling.about": block([], (c) => {
    const { meta, results } = c.stored.get("scaling");
    return about(c.doc, storedPath("scaling"), meta, medians(results.repeat));
  }),
  "scaling.command": inline([], (c) => `\`${c.stored.get("scaling").meta.command}\``),
  "scaling.table": block([], scalingTable),
  "scaling.report": block(["...workloads"], (c, names) => {
    const results = scalingResults(c);
    const workloads = names.map((name) => scalingWorkload(c, name).result);
    return fence("text", renderScalingTable({ ...results, workloads }));
  }),
  "scaling.model": block(["workload"], (c, [w]) => {
    const model = defined(scalingWorkload(c, w!).model, `model fitted for ${w}`);
    return fence("text", `${describeFit(model)}\n  ${describePredictions(model)}`);
  }),
  "scaling.speedup": inline(["workload", "workers"], (c, [w, n]) =>
    speedup(defined(point(c, w!, n!).speedup, `speedup of ${w} on ${n} workers`)),
  ),
  "scaling.efficiency": inline(["workload", "workers"], (c, [w, n]) =>
    formatPercent(defined(point(c, w!, n!).efficiency, `efficiency of ${w} on ${n} workers`)),
  ),
  "scaling.spread": inline(["workload", "workers|sequential"], (c, [w, n]) =>
    formatPercent(
      n === "sequential"
        ? defined(scalingWorkload(c, w!).baselines[0], `sequential run of ${w}`).stats.spread
        : point(c, w!, n!).parallel.spread,
    ),
  ),
  "scaling.karp-flatt": inline(["workload", "workers"], (c, [w, n]) =>
    defined(point(c, w!, n!).karpFlatt, `Karp-Flatt e of ${w} on ${n} workers`).toFixed(2),
  ),
  "scaling.karp-flatt-range": inline(["workers"], (c, [n]) => {
    const values = analyze(scalingResults(c)).workloads.flatMap((w) =>
      w.points.filter((p) => p.workers === Number(n) && p.karpFlatt !== undefined).map((p) => p.karpFlatt!),
    );
    if (values.length === 0)
      throw new RenderError(`${storedPath("scaling")}: no Karp-Flatt e on ${n} workers`);
    return range(values, (v) => v.toFixed(2));
  }),
  "scaling.f": inline(["workload"], (c, [w]) => serialFraction(c, w!).toFixed(2)),
  "scaling.limit": inline(["workload"], (c, [w]) => limit(serialFraction(c, w!))),
  "scaling.predict": inline(["workload", "workers"], (c, [w, n]) =>
    speedup(amdahl.speedup(serialFraction(c, w!), Number(n))),
  ),
  "scaling.knob": inline(["workload", "knob"], (c, [w, k]) =>
    String(defined(scalingWorkload(c, w!).result.knobs?.[k!], `knob ${k} of ${w}`)),
  ),
  "scaling.best": inline([], (c) => {
    const { cores } = scalingResults(c).machine;
    const best = analyze(scalingResults(c)).workloads.flatMap((w) =>
      w.points.filter((p) => p.workers === cores && p.speedup !== undefined).map((p) => p.speedup!),
    );
    if (best.length === 0) throw new RenderError(`${storedPath("scaling")}: no run on ${cores} workers`);
    return speedup(Math.max(...best));
  }),
  "scaling.longest-chunk": inline(["workload", "workers"], (c, [w, n]) =>
    ms(Math.max(...timeline(c, w!, n!).map((bar) => bar.endMs - bar.startMs))),
  ),
  "scaling.finish-gap": inline(["workload", "workers"], (c, [w, n]) => {
    const bars = timeline(c, w!, n!);
    const ends = [...new Set(bars.map((b) => b.worker))].map((worker) =>
      Math.max(...bars.filter((b) => b.worker === worker).map((b) => b.endMs)),
    );
    return ms(Math.max(...ends) - Math.min(...ends));
  }),
  "scaling.amdahl-chart": block(["...workloads"], amdahlChart),
  "scaling.amdahl-table": block(["...workloads"], amdahlTable),

  // npm run bench:cluster
  "cluster.about": block([], (c) => {
    const { meta } = c.stored.get("cluster");
    const details = `\`weft worker\` processes of one thread, ${medians(meta.repeat)}`;
    return about(c.doc, storedPath("cluster"), meta, details);
  }),
  "cluster.table": block([], clusterTable),
  "cluster.failover-sentinel": inline([], (c) => failoverCost(c, "sentinel")),
  "cluster.failover-cluster": inline([], (c) => failoverCost(c, "cluster")),
  "cluster.recovery": inline([], (c) => seconds(c.stored.get("cluster").recovery.recoveryMs, 1)),

  // npm run bench:server
  "server.about": block([], (c) => {
    const { meta } = c.stored.get("server");
    const details =
      `${meta.connections} keep-alive connections over loopback, ${count(meta.requestsPerRoute)} requests ` +
      `per route, the job store in ${meta.db}, ${meta.serverWorkers} workers`;
    return about(c.doc, storedPath("server"), meta, details);
  }),
  "server.table": block([], serverTable),
  // npm run bench:server -- --replicas
  "replicas.about": block([], replicasAbout),
  "replicas.table": block([], replicasTable),
  "replicas.recovery": block([], replicasRecovery),

  // npm run bench:data
  "data.about": block([], dataAbout),
  "data.table": block([], dataTable),
  "parquet.about": block([], parquetAbout),
  "parquet.table": block([], parquetTable),
  "csv.about": block([], csvAbout),
  "csv.table": block([], csvTable),
  "pipe.about": block([], pipeAbout),
  "pipe.table": block([], pipeTable),

  // npm run simulate
  "simulate.about": block([], simulateAbout),
  "simulate.table": block([], simulateTable),
  "simulate.chart": block([], simulateChart),

  // weft demo
  "demo.about": block([], (c) => about(c.doc, storedPath("demo"), c.stored.get("demo").meta, "")),
  "demo.transcript": block([], (c) => fence("text", c.stored.get("demo").transcript.join("\n"))),
  "demo.size": inline([], (c) => count(c.stored.get("demo").size)),
  "demo.sequential": inline([], (c) => seconds(c.stored.get("demo").sequentialMs)),
  "demo.parallel": inline([], (c) => seconds(c.stored.get("demo").parallelMs)),
  "demo.speedup": inline([], (c) => speedup(c.stored.get("demo").speedup)),
  "demo.efficiency": inline([], (c) => percent(c.stored.get("demo").efficiency)),
  "demo.chunks": inline([], (c) => {
    const { chunks } = c.stored.get("demo");
    return `${count(chunks.count)} chunks of ${count(chunks.minItems)} to ${count(chunks.maxItems)} numbers`;
  }),
  "demo.chunk-count": inline([], (c) => count(c.stored.get("demo").chunks.count)),
  "demo.items": inline([], (c) => count(c.stored.get("demo").items)),
  "demo.workers": inline([], demoSentenceOfWorkers),
  "demo.formulas": inline([], demoFormulas),
};

/** What region `name` with `args` holds, rendered from the stored runs. */
export function render(
  context: RenderContext,
  name: string,
  args: readonly string[],
  kind: Renderer["kind"],
): string {
  const renderer = renderers[name];
  if (!renderer) {
    throw new RenderError(`no renderer named ${name}; the names are: ${Object.keys(renderers).join(", ")}`);
  }
  if (renderer.kind !== kind) {
    throw new RenderError(
      `${name} renders a${renderer.kind === "inline" ? "n inline" : " block"} region, not a${kind === "inline" ? "n inline" : " block"} one`,
    );
  }
  const variadic = renderer.args.at(-1)?.startsWith("...") === true;
  const fits = variadic ? args.length >= renderer.args.length : args.length === renderer.args.length;
  if (!fits) {
    throw new RenderError(
      `${name} takes ${renderer.args.length === 0 ? "no arguments" : renderer.args.join(" ")}, got "${args.join(" ")}"`,
    );
  }
  return renderer.render(context, args);
}
