// Cancelling a job (an AbortController, AbortSignal.timeout) and bounding each chunk with a
// `timeout`: the job rejects with an AbortError or a TimeoutError, and the pool stays usable.
// Run it: `node --import tsx examples/cancel-job.ts`.
import { weft } from "../src/index.ts";
import { nap, spin } from "./slow-tasks.ts";
import { isPrime } from "./tasks.ts";

/** Runs `job`, expecting it to fail, and says how and how fast. */
async function expectFailure(label: string, job: () => Promise<unknown>): Promise<void> {
  const start = performance.now();
  try {
    await job();
    console.log(`${label}: finished, which was not expected`);
  } catch (error) {
    const { name, message, cause } = error as Error;
    const ms = Math.round(performance.now() - start);
    const why = cause instanceof Error ? ` (cause: ${cause.name})` : "";
    console.log(`${label}: ${name}${why} after ${ms} ms\n  ${message}`);
  }
}

// graceMs: how long a task told to stop may go on before its worker is ended and replaced.
const pool = await weft({ graceMs: 200 });
try {
  // 1. Cancel from your own code: the user pressed Stop, a request went away.
  await expectFailure("AbortController", async () => {
    // #region controller
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("the user pressed Stop")), 300);
    // 400 naps of 50 ms: 10 s of waiting on 2 workers, stopped after 300 ms.
    await pool
      .from(Array.from({ length: 400 }, () => 50))
      .map(nap)
      .options({ signal: controller.signal })
      .collect();
    // #endregion
  });

  // 2. A deadline for the whole job. The running tasks ignore their signal (spin is pure CPU), so
  //    their workers are ended after graceMs and replaced; the promise rejects at once all the same.
  await expectFailure(
    "AbortSignal.timeout",
    () =>
      // #region job-deadline
      pool
        .from(Array.from({ length: 100 }, () => 100))
        .map(spin)
        .options({ signal: AbortSignal.timeout(300) })
        .count(),
    // #endregion
  );

  // 3. A deadline per chunk: one item hangs; only its chunk fails, with a TimeoutError.
  await expectFailure(
    "per-chunk timeout",
    () =>
      // #region chunk-timeout
      pool
        .from([10, 10, 10, 60_000, 10, 10])
        .map(spin) // the fourth item would spin for a minute
        .chunks({ maxChunk: 1 }) // one item per chunk: the timeout is then a per-item deadline
        .options({ timeout: 500 })
        .collect(),
    // #endregion
  );

  // The pool is still usable: the stopped workers were replaced.
  const primes = await pool.range(2, 100_000).filter(isPrime).count();
  console.log(`the pool still works: ${primes} primes below 100,000 on ${pool.workers} workers`);
} finally {
  await pool.close();
}
