// `weft demo`, the main job: one large computation run sequentially, then split into chunks and run
// on every core; the two answers compared, the split shown, the speedup and efficiency reported.
// With --publish, the transcript and its numbers are saved as docs/results/demo.json for the README.
import { availableParallelism } from "node:os";
import {
  commandLine,
  publish,
  publishedMeta,
  resultsDirectory,
  type PublishedMeta,
} from "../../scaling/publish.ts";
import type { ChunkRecord } from "../../events/events.ts";
import { weft } from "../../pool/weft.ts";
import type { BackendName } from "../../pool/options.ts";
import { primes } from "../../workloads/primes.ts";
import { progressDisplay } from "../progress.ts";

export interface DemoOptions {
  readonly size: number;
  readonly workers: number;
  readonly backend: Exclude<BackendName, "sequential">;
  /** Save the transcript and its numbers as docs/results/demo.json. */
  readonly publish?: boolean;
}

/** What `weft demo --publish` saves: the transcript as printed, and the numbers in it. */
export interface DemoReport {
  readonly meta: PublishedMeta & { readonly backend: string };
  /** Count the primes below this. */
  readonly size: number;
  /** Numbers tested: the sub-tasks. */
  readonly items: number;
  readonly workers: number;
  readonly primes: number;
  readonly sequentialMs: number;
  /** Starting the pool and loading the task, not counted in `parallelMs`. */
  readonly startupMs: number;
  readonly parallelMs: number;
  /** sequentialMs / parallelMs. */
  readonly speedup: number;
  /** speedup / workers. */
  readonly efficiency: number;
  readonly chunks: { readonly count: number; readonly minItems: number; readonly maxItems: number };
  readonly perWorker: readonly {
    readonly worker: number;
    readonly chunks: number;
    readonly items: number;
    readonly busyMs: number;
  }[];
  /** Every line the demo printed on stdout. */
  readonly transcript: readonly string[];
}

export const defaultDemoSize = primes.defaultSize;

/** Returns the process exit code: 0, or 1 if the parallel answer is wrong. */
export async function demo({
  size,
  workers,
  backend,
  publish: publishing = false,
}: DemoOptions): Promise<number> {
  const workload = primes;
  // Checked now, not after the run: where it will go, and the machine as the run starts.
  const meta = publishing ? startPublishing(size) : undefined;
  const transcript: string[] = [];
  const say = (line = "") => {
    console.log(line);
    transcript.push(...line.split("\n"));
  };
  say(`The job: count the ${workload.describe(size)} by trial division.`);
  say(`Each of the ${workload.items(size).toLocaleString("en-US")} numbers is one sub-task; a number near`);
  say(`the top costs more than one near the bottom, so equal slices would not be equal work.\n`);

  say("1. Sequentially, on this thread, one number after another:");
  workload.sequential(workload.quickSize); // warms the JIT, as the pool's warm-up run does below
  let t0 = performance.now();
  const expected = workload.sequential(size);
  const sequentialMs = performance.now() - t0;
  say(`   ${expected.toLocaleString("en-US")} primes in ${seconds(sequentialMs)}\n`);

  say(`2. In parallel, on ${workers} ${backend === "threads" ? "worker threads" : "worker processes"}:`);
  t0 = performance.now();
  await using pool = await weft({ backend, workers });
  // Workers import the task module on first use; do that before the clock starts, as the
  // sequential run has its code loaded already.
  await workload.parallel(pool, workload.quickSize);
  const startupMs = performance.now() - t0;
  say(`   starting the workers and loading the task took ${seconds(startupMs)} (not counted)`);
  const chunks: ChunkRecord[] = [];
  pool.events.on("chunk", (c) => chunks.push(c));
  const progress = progressDisplay();
  pool.events.on("progress", (p) => progress.update(p.done, p.rate));
  progress.start("   counting", workload.items(size), workload.unit);
  t0 = performance.now();
  const got = await workload.parallel(pool, size);
  const parallelMs = performance.now() - t0;
  progress.stop();
  say(`   ${got.toLocaleString("en-US")} primes in ${seconds(parallelMs)}\n`);

  const problem = workload.mismatch(expected, got);
  if (problem !== undefined) {
    console.error(`The parallel answer is wrong (${problem}): this is a bug in weft.`);
    return 1;
  }

  const sizes = chunks.map((c) => c.items).sort((a, b) => a - b);
  say(`3. How it was split and combined:`);
  say(
    `   ${chunks.length} chunks of ${count(sizes[0] ?? 0)} to ${count(sizes.at(-1) ?? 0)} numbers: a small probe`,
  );
  say(`   first to measure the cost of a number, then chunks of about 40 ms each, smaller toward the`);
  say(`   end so no worker is left with a long last chunk. Each worker counted its chunks, and only`);
  say(`   the counts travelled back to be added up.`);
  const perWorker = Array.from({ length: workers }, (_, worker) => {
    const mine = chunks.filter((c) => c.worker === worker);
    const busyMs = mine.reduce((ms, c) => ms + c.endedAt - c.startedAt, 0);
    const items = mine.reduce((n, c) => n + c.items, 0);
    say(`   worker ${worker}: ${mine.length} chunks, ${count(items)} numbers, busy ${seconds(busyMs)}`);
    return { worker, chunks: mine.length, items, busyMs };
  });

  const speedup = sequentialMs / parallelMs;
  say(`\n4. The answers agree. Speedup ${speedup.toFixed(2)}x on ${workers} workers`);
  say(
    `   (${availableParallelism()} cores here), parallel efficiency ${((100 * speedup) / workers).toFixed(0)}%.`,
  );
  say(`\nHow it scales: weft bench primes --workers 1,2,4 --html report.html`);
  if (meta) {
    const report: DemoReport = {
      meta: { ...meta, backend },
      size,
      items: workload.items(size),
      workers,
      primes: got,
      sequentialMs,
      startupMs,
      parallelMs,
      speedup,
      efficiency: speedup / workers,
      chunks: { count: chunks.length, minItems: sizes[0] ?? 0, maxItems: sizes.at(-1) ?? 0 },
      perWorker,
      transcript,
    };
    console.error(`published ${publish("demo.json", report)}; now run npm run docs:results`);
  }
  return 0;
}

/**
 * Where and how this run started, for docs/results/demo.json; throws when there is nowhere to
 * publish. The command is `npm start -- ...` (which runs `weft demo`) or `npx weft demo ...`.
 */
function startPublishing(size: number): PublishedMeta {
  resultsDirectory();
  const args = process.argv.slice(process.argv.indexOf("demo") + 1);
  const command = commandLine(
    process.env.npm_lifecycle_event === "start" ? "npm start" : "npx weft demo",
    args,
  );
  return publishedMeta(command, size !== defaultDemoSize);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

function count(n: number): string {
  return n.toLocaleString("en-US");
}
