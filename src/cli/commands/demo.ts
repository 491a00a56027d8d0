// `weft demo`, the main job: one large computation run sequentially, then split into chunks and run
// on every core; the two answers compared, the split shown, the speedup and efficiency reported.
import { availableParallelism } from "node:os";
import type { ChunkRecord } from "../../events/events.ts";
import { weft } from "../../pool/pool.ts";
import type { BackendName } from "../../pool/options.ts";
import { primes } from "../../workloads/primes.ts";
import { progressDisplay } from "../progress.ts";

export interface DemoOptions {
  readonly size: number;
  readonly workers: number;
  readonly backend: Exclude<BackendName, "sequential">;
}

export const defaultDemoSize = primes.defaultSize;

/** Returns the process exit code: 0, or 1 if the parallel answer is wrong. */
export async function demo({ size, workers, backend }: DemoOptions): Promise<number> {
  const workload = primes;
  const say = (line = "") => console.log(line);
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
  say(`   starting the workers and loading the task took ${seconds(performance.now() - t0)} (not counted)`);
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
  for (let w = 0; w < workers; w++) {
    const mine = chunks.filter((c) => c.worker === w);
    const busyMs = mine.reduce((ms, c) => ms + c.endedAt - c.startedAt, 0);
    const items = mine.reduce((n, c) => n + c.items, 0);
    say(`   worker ${w}: ${mine.length} chunks, ${count(items)} numbers, busy ${seconds(busyMs)}`);
  }

  const speedup = sequentialMs / parallelMs;
  say(`\n4. The answers agree. Speedup ${speedup.toFixed(2)}x on ${workers} workers`);
  say(
    `   (${availableParallelism()} cores here), parallel efficiency ${((100 * speedup) / workers).toFixed(0)}%.`,
  );
  say(`\nHow it scales: weft bench primes --workers 1,2,4 --html report.html`);
  return 0;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

function count(n: number): string {
  return n.toLocaleString("en-US");
}
