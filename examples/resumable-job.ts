// A job that outlives its process: on a cluster, a job named with `resumable` keeps a ledger in Redis,
// and if this process dies, `npx weft resume primes-2m --tasks examples/tasks.ts` (or this program
// run again) finishes it without rerunning the chunks already done.
// Run it: `WEFT_REDIS_URL=redis://127.0.0.1:6379 node --import tsx examples/resumable-job.ts`, with a
// `weft worker --tasks examples/tasks.ts` on that Redis (examples/cluster-job.ts says how).
import { weft } from "../src/index.ts";
import { isPrime } from "./tasks.ts";

const redis = process.env.WEFT_REDIS_URL;
if (!redis) {
  console.log("WEFT_REDIS_URL is not set: run examples/cluster-job.ts to see how to start a cluster");
  process.exit(0);
}

await using pool = await weft({ redis });
// #region resumable
const count = await pool
  .range(2, 2_000_000)
  .filter(isPrime)
  .options({ resumable: "primes-2m" }) // the ledger's name: Redis keeps the job's plan and its chunks' results
  .count();
// #endregion
console.log(`${count} primes below 2,000,000, kept in a ledger while the job ran (gone now it is done)`);
