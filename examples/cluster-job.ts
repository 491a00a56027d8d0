// A job on a cluster: `weft worker` processes on any number of machines, one Redis between them and
// this program. The code is the threads code; only the line that creates the pool changes.
// Run it: `WEFT_REDIS_URL=redis://127.0.0.1:6379 node --import tsx examples/cluster-job.ts`.
import { weft } from "../src/index.ts";
import { isPrime } from "./tasks.ts";

const redis = process.env.WEFT_REDIS_URL;
if (!redis) {
  console.log(`WEFT_REDIS_URL is not set, so there is no cluster to run on. To make one on this machine:

  redis-server --port 6379 --save ""                                               # 1. a Redis
  npx weft worker --redis redis://127.0.0.1:6379 --tasks examples/tasks.ts         # 2. workers, as many as you like
  WEFT_REDIS_URL=redis://127.0.0.1:6379 node --import tsx examples/cluster-job.ts  # 3. this job

On more machines, start step 2 on each (with the same task modules) and point them at one Redis.`);
  process.exit(0);
}

// #region cluster
// redis: the cluster's Redis, a URL such as "redis://10.0.0.5:6379"
const pool = await weft({ redis }); // was: await weft()
let count: number;
try {
  count = await pool.range(2, 2_000_000).filter(isPrime).count();
} finally {
  await pool.close();
}
// #endregion

console.log(
  `${count} primes below 2,000,000 on the ${pool.backend} backend (${pool.workers} chunks in flight at once)`,
);

// The sequential answer, on this machine, to check against.
const local = await weft({ backend: "sequential" });
try {
  const expected = await local.range(2, 2_000_000).filter(isPrime).count();
  console.log(`the sequential backend agrees: ${count === expected}`);
} finally {
  await local.close();
}
