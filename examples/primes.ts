// weft's main job: count the primes below N on all cores, compare with the sequential run, and show the split.
import { availableParallelism } from "node:os";
import { weft, type ChunkRecord, type WeftOptions } from "../src/index.ts";
import { isPrime } from "./tasks.ts";

const limit = Number(process.argv[2] ?? 20_000_000);
if (!Number.isInteger(limit) || limit < 2) {
  console.error(`usage: npm start -- [limit]   (limit: an integer >= 2, got "${process.argv[2]}")`);
  process.exit(2);
}

async function countPrimes(options: WeftOptions) {
  const starting = performance.now();
  await using pool = await weft(options);
  // Workers import the task module on first use; do that before the clock starts, as the
  // sequential run has the module loaded already.
  await pool.range(2, 100).filter(isPrime).count();
  const startupSeconds = (performance.now() - starting) / 1000;
  const chunks: ChunkRecord[] = [];
  pool.events.on("chunk", (c) => chunks.push(c));
  const started = performance.now();
  const count = await pool.range(2, limit).filter(isPrime).count();
  return {
    count,
    seconds: (performance.now() - started) / 1000,
    chunks,
    workers: pool.workers,
    startupSeconds,
  };
}

console.log(`Counting the primes below ${limit.toLocaleString("en")} by trial division.\n`);
const sequential = await countPrimes({ backend: "sequential" });
console.log(
  `sequential: ${sequential.count.toLocaleString("en")} primes in ${sequential.seconds.toFixed(2)} s`,
);
const parallel = await countPrimes({ backend: "threads", workers: "auto" });
console.log(
  `threads:    ${parallel.count.toLocaleString("en")} primes in ${parallel.seconds.toFixed(2)} s on ${parallel.workers} workers` +
    ` (starting them took ${parallel.startupSeconds.toFixed(2)} s more)`,
);
if (parallel.count !== sequential.count) {
  console.error("the parallel count differs from the sequential one: this is a bug in weft");
  process.exit(1);
}

const sizes = parallel.chunks.map((c) => c.items).sort((a, b) => a - b);
console.log(
  `\nHow the work was split: ${sizes.length} chunks of ${sizes[0]} to ${sizes.at(-1)} numbers, sized to the`,
);
console.log(`measured cost of a number (probe first, then ~40 ms each, smaller toward the end).`);
for (let w = 0; w < parallel.workers; w++) {
  const mine = parallel.chunks.filter((c) => c.worker === w);
  const busy = mine.reduce((ms, c) => ms + c.endedAt - c.startedAt, 0) / 1000;
  const items = mine.reduce((n, c) => n + c.items, 0);
  console.log(
    `  worker ${w}: ${mine.length} chunks, ${items.toLocaleString("en")} numbers, busy ${busy.toFixed(2)} s`,
  );
}
const speedup = sequential.seconds / parallel.seconds;
console.log(
  `\nspeedup ${speedup.toFixed(2)}x on ${parallel.workers} workers (${availableParallelism()} cores),`,
);
console.log(`parallel efficiency ${((100 * speedup) / parallel.workers).toFixed(0)}% (the results match)`);
