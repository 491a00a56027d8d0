// Values set up once per worker: every worker builds the sieve and opens its log before its first
// chunk, and closes the log when the pool closes. The answer is checked against the sequential
// backend, where the calling thread is the one worker.
// Run it: `node --import tsx examples/per-worker.ts`.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { weft, type WeftOptions } from "../src/index.ts";
import { blockSize, limit, primesInBlock, warmSieve } from "./sieve-tasks.ts";

/** Counts the primes below `limit` on a pool, and reads back the logs its workers wrote. */
async function countPrimes(options: WeftOptions) {
  const logDir = mkdtempSync(join(tmpdir(), "weft-sieve-logs-"));
  process.env.SIEVE_LOG_DIR = logDir; // before weft(): the workers take the environment as it is then
  try {
    let primes: number;
    let workers: number;
    {
      await using pool = await weft(options);
      workers = pool.workers;
      // #region broadcast
      const built = await pool.broadcast(warmSieve, []); // every worker builds its sieve now
      // #endregion
      if (built.length !== workers) throw new Error(`${built.length} sieves for ${workers} workers`);
      primes = await pool
        .range(0, limit / blockSize)
        .map(primesInBlock)
        .reduce((a, b) => a + b, 0);
    } // closed here: each worker closes its log
    const logs = readdirSync(logDir);
    const lines = logs.flatMap((name) =>
      readFileSync(join(logDir, name), "utf8").split("\n").filter(Boolean),
    );
    return { primes, workers, logs: logs.length, lines: lines.length };
  } finally {
    rmSync(logDir, { recursive: true, force: true });
  }
}

const parallel = await countPrimes({});
const sequential = await countPrimes({ backend: "sequential" });
console.log(`primes below ${limit.toLocaleString("en-US")}: ${parallel.primes.toLocaleString("en-US")}`);
console.log(`the sequential backend agrees: ${parallel.primes === sequential.primes}`);
console.log(
  `${parallel.logs} logs from ${parallel.workers} workers, ${parallel.lines} lines: one per block, ` +
    `each log opened once and closed when the pool closed`,
);
