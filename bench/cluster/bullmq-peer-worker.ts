// Plain BullMQ, used as its docs show: a Worker whose processor handles one job, here one item.
import { Worker } from "bullmq";
import { isPrime } from "../../src/workloads/kernels/primes.ts";

const [url, queueName] = process.argv.slice(2) as [string, string];
const { hostname, port } = new URL(url);
const worker = new Worker(queueName, (job) => Promise.resolve(isPrime((job.data as { n: number }).n)), {
  connection: { host: hostname, port: Number(port) },
  concurrency: 1,
});
await worker.waitUntilReady();
process.stdout.write("ready\n");
process.once("SIGTERM", () => void worker.close().then(() => process.exit(0)));
