// A CPU-heavy map over an array on all cores, against the same job on the sequential backend.
// Run it: `node --import tsx examples/cpu-heavy-map.ts`.
import { availableParallelism } from "node:os";
import { weft, type Pool } from "../src/index.ts";
import { hashPassword, hashRounds } from "./tasks.ts";

// 800 passwords, each costing a few ms of pure CPU to hash.
const passwords = Array.from({ length: 800 }, (_, i) => `user-${i}:correct horse battery staple`);

/** Runs the job on `pool` and times it; the chunk records say how the array was split. */
async function hashAll(pool: Pool): Promise<{ hashes: string[]; seconds: number; chunks: number }> {
  let chunks = 0;
  const onChunk = () => chunks++;
  pool.events.on("chunk", onChunk);
  const start = performance.now();
  // #region map
  const hashes = await pool.from(passwords).map(hashPassword).collect();
  // #endregion
  const seconds = (performance.now() - start) / 1000;
  pool.events.off("chunk", onChunk);
  return { hashes, seconds, chunks };
}

/** Times the same job on both pools and says how much faster the second was, and whether they agree. */
async function compare(sequential: Pool, pool: Pool): Promise<void> {
  // Starting workers and loading the task module are paid once per pool: warm it up, untimed.
  await pool.from(passwords.slice(0, pool.workers)).map(hashPassword).collect();

  const before = await hashAll(sequential);
  const after = await hashAll(pool);
  const speedup = before.seconds / after.seconds;

  console.log(`hashed ${passwords.length} passwords, ${hashRounds.toLocaleString("en-US")} rounds each`);
  const threads = `threads, ${pool.workers} workers:`;
  console.log(`  ${"sequential:".padEnd(threads.length)} ${before.seconds.toFixed(2)} s`);
  console.log(
    `  ${threads} ${after.seconds.toFixed(2)} s in ${after.chunks} chunks (${availableParallelism()} cores here)`,
  );
  console.log(
    `speedup ${speedup.toFixed(2)}x, parallel efficiency ${((speedup / pool.workers) * 100).toFixed(0)}%`,
  );
  const agree = after.hashes.every((hash, i) => hash === before.hashes[i]);
  console.log(`the hashes agree, in input order: ${agree}`);
}

// #region backends
// The baseline: the same plan, one chunk at a time, on this thread.
const sequential = await weft({ backend: "sequential" });
// The default: worker threads, one per core.
const pool = await weft();
try {
  await compare(sequential, pool);
} finally {
  await pool.close();
  await sequential.close();
}
// #endregion
