// `weft bench`: sequential vs weft at each worker count, with the scaling analysis, as a table in
// the terminal and, on request, JSON with every raw measurement and a self-contained HTML report.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { renderHtmlReport } from "../../scaling/html-report.ts";
import {
  commandLine,
  publish,
  publishedMeta,
  resultsDirectory,
  type PublishedMeta,
} from "../../scaling/publish.ts";
import type { BenchResults, ScalingKind } from "../../scaling/results.ts";
import { BenchInterruptedError, runBench, type BenchStep } from "../../scaling/runner.ts";
import { renderScalingTable } from "../../scaling/table.ts";
import { workloadNamed, workloads } from "../../workloads/all.ts";
import type { Knobs } from "../../workloads/workload.ts";
import { assertInstalled } from "../../optional-packages.ts";
import { progressDisplay } from "../progress.ts";

export interface BenchOptions {
  readonly workers: number[];
  readonly size?: number;
  readonly quick: boolean;
  readonly repeat: number;
  readonly backend: "threads" | "processes";
  readonly scaling: ScalingKind;
  readonly json?: string;
  readonly html?: string;
  readonly serialFraction?: number;
  readonly itemMicros?: number;
  /** Also save the run as docs/results/scaling.json, which the README's scaling table is rendered from. */
  readonly publish?: boolean;
}

/** What `weft bench --publish` saves: the raw results, as `--json` writes them, and where they come from. */
export interface PublishedScaling {
  readonly meta: PublishedMeta;
  readonly results: BenchResults;
}

/** Exit code 130 when interrupted (as a shell reports Ctrl-C), after saving what was measured. */
export async function bench(names: string[], options: BenchOptions): Promise<number> {
  const selected = names.length === 0 ? [...workloads.values()] : names.map(workloadNamed);
  if (options.html) assertInstalled("report", "weft bench --html");
  // Checked now, not after the run: where it will go, and the machine as the run starts.
  const meta = options.publish ? startPublishing(options.quick) : undefined;
  const knobs: Knobs = { serialFraction: options.serialFraction, itemMicros: options.itemMicros };
  const controller = new AbortController();
  const interrupt = () => {
    console.error("\ninterrupted: stopping the workers; the results so far are saved as incomplete");
    controller.abort();
  };
  process.once("SIGINT", interrupt);
  const progress = progressDisplay();
  let results: BenchResults;
  try {
    results = await runBench(
      {
        workloads: selected,
        workers: options.workers,
        repeat: options.repeat,
        backend: options.backend,
        scaling: options.scaling,
        size:
          options.size !== undefined ? () => options.size! : options.quick ? (w) => w.quickSize : undefined,
        knobs,
        signal: controller.signal,
      },
      (step) => show(step, progress),
    );
  } catch (error) {
    if (!(error instanceof BenchInterruptedError)) throw error;
    results = error.results;
  } finally {
    progress.stop();
    process.off("SIGINT", interrupt);
  }
  console.log(`\n${renderScalingTable(results)}`);
  if (options.json) save(options.json, `${JSON.stringify(results, null, 2)}\n`, "raw measurements");
  if (options.html) save(options.html, renderHtmlReport(results), "report");
  if (meta) {
    if (!results.complete) console.error("not published: the run was interrupted");
    else {
      const published: PublishedScaling = { meta, results };
      console.error(`published ${publish("scaling.json", published)}; now run npm run docs:results`);
    }
  }
  return results.complete ? 0 : 130;
}

function startPublishing(quick: boolean): PublishedMeta {
  resultsDirectory(); // throws when there is nowhere to publish
  const args = process.argv.slice(process.argv.indexOf("bench") + 1);
  return publishedMeta(commandLine("npx weft bench", args), quick);
}

function show(step: BenchStep, progress: ReturnType<typeof progressDisplay>): void {
  if (step.kind === "run") progress.start(step.label, step.items, step.unit);
  else if (step.kind === "progress") progress.update(step.progress.done, step.progress.rate);
  else progress.finish(`${step.label}: ${(step.ms / 1000).toFixed(2)} s`);
}

function save(path: string, contents: string, what: string): void {
  const file = resolve(path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, contents);
  console.error(`${what} saved to ${file}`);
}
