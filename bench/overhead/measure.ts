// Timing each overhead job: the plain loop on this thread against the weft job on a pool of one worker
// thread, both warm, in rounds that run them back to back (in turn first), every answer checked.
import type { Pool } from "../../src/index.ts";
import { collectGarbage, WrongAnswerError } from "../measure.ts";
import type { OverheadJob } from "./jobs.ts";
import type { OverheadSamples } from "./stats.ts";

/**
 * One untimed run of each side of every job (the JIT, the worker's task module, weft's compiled chunk
 * loop), then `rounds` rounds over all the jobs, so a change in background load over the run is shared by
 * every job and both sides of each. Within a round the plain loop and weft alternate going first.
 */
export async function measureOverhead(
  pool: Pool,
  jobs: readonly OverheadJob<unknown>[],
  items: number,
  rounds: number,
  /** Awaited before each job's pair of runs (the core-balance check). */
  beforePair: () => Promise<void> = () => Promise.resolve(),
): Promise<OverheadSamples[]> {
  const expected = jobs.map((job) => job.plain(items));
  for (const [j, job] of jobs.entries()) check(job, expected[j], await job.weft(pool, items));
  const samples = jobs.map((job) => ({
    job: job.name,
    code: job.code,
    plainMs: [] as number[],
    weftMs: [] as number[],
  }));
  for (let round = 0; round < rounds; round++) {
    for (const [j, job] of jobs.entries()) {
      const timePlain = () => {
        collectGarbage();
        const t0 = performance.now();
        job.plain(items);
        samples[j]!.plainMs.push(performance.now() - t0);
      };
      const timeWeft = async () => {
        collectGarbage();
        const t0 = performance.now();
        const answer = await job.weft(pool, items);
        samples[j]!.weftMs.push(performance.now() - t0);
        check(job, expected[j], answer);
      };
      await beforePair();
      if (round % 2 === 0) {
        timePlain();
        await timeWeft();
      } else {
        await timeWeft();
        timePlain();
      }
    }
  }
  return samples;
}

function check(job: OverheadJob<unknown>, expected: unknown, got: unknown): void {
  const why = job.mismatch(expected, got);
  if (why !== undefined) {
    throw new WrongAnswerError(`weft gave a wrong answer on overhead job ${job.code}: ${why}`);
  }
}
