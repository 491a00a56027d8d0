// A program that hands jobs to a weft service (`weft serve`, on this machine or another) and reads
// their results, with the typed client, weft/client. Against a service of your own:
//   npx weft serve --tasks examples/tasks.ts
//   WEFT_URL=http://127.0.0.1:8787 node --import tsx examples/service-client.ts
// Without WEFT_URL it starts a service of its own on a free port, and stops it at the end.
import { fileURLToPath } from "node:url";
import { createClient, ServiceError } from "../src/client/index.ts";
import { startServer } from "../src/server/index.ts";

const tasks = fileURLToPath(new URL("./tasks.ts", import.meta.url));
const ownService = process.env.WEFT_URL
  ? undefined
  : await startServer({ tasks: [tasks], port: 0, db: ":memory:" });
const url = process.env.WEFT_URL ?? ownService!.url;

try {
  // #region client
  // import { createClient, ServiceError } from "weft/client";
  // url: the service's address, such as "http://127.0.0.1:8787"
  const service = createClient({ url, token: process.env.WEFT_TOKEN });
  const job = await service.submit({
    type: "task",
    task: "tasks.isPrime", // an export of the service's --tasks modules
    op: "filter",
    reduce: "count",
    input: { range: { from: 2, to: 1_000_000 } },
  });
  // Told by the service's event stream, not by asking again and again; bounded by the signal.
  const done = await service.waitFor(job.id, { signal: AbortSignal.timeout(60_000) });
  console.log(`${done.label}: ${done.state}, ${String(await service.result(job.id))} primes`);

  try {
    await service.submit({ type: "workload", workload: "primes", size: 1_000_000_000 });
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    console.log(`refused: ${error.message}`); // also error.status (400) and error.code (too_large)
  }
  const recent = await service.jobs({ limit: 5 });
  for (const { id, state, label } of recent) console.log(`${id}  ${state}  ${label}`);
  // #endregion
} finally {
  await ownService?.close();
}
