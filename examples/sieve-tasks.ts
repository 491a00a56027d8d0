// Tasks that lean on values each worker sets up once: a prime sieve, costly to build and then read
// by every task the worker runs, and a log file each worker opens for itself and closes when the
// pool closes. The log folder comes from $SIEVE_LOG_DIR, which workers inherit from the pool's process.
import { open } from "node:fs/promises";
import { join } from "node:path";
import { threadId } from "node:worker_threads";
import { perWorker, task } from "../src/index.ts";

export const limit = 1 << 24;
export const blockSize = 1 << 16;

// #region per-worker
const sieve = perWorker(import.meta.url, () => {
  const composite = new Uint8Array(limit);
  composite[0] = composite[1] = 1;
  for (let i = 2; i * i < limit; i++) {
    if (!composite[i]) for (let j = i * i; j < limit; j += i) composite[j] = 1;
  }
  return composite;
});

const log = perWorker(
  import.meta.url,
  () => open(join(process.env.SIEVE_LOG_DIR!, `worker-${process.pid}-${threadId}.log`), "a"),
  { teardown: (file) => file.close() },
);
// #endregion

/** Makes a worker build its sieve now (broadcast it before timing a job); returns the sieve's size. */
export const warmSieve = task(import.meta.url, () => sieve.value.length);

// #region read
/** The primes in block `block` of the sieve's range, noted in this worker's log. */
export const primesInBlock = task(import.meta.url, async (block: number) => {
  const table = sieve.value;
  let count = 0;
  for (let n = block * blockSize; n < (block + 1) * blockSize; n++) count += 1 - table[n]!;
  await log.value.appendFile(`block ${block}: ${count} primes\n`);
  return count;
});
// #endregion
