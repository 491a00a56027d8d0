// `weft submit`: a job sent to a weft service; prints its id, or with --wait its result once it has
// finished.
import { readFileSync } from "node:fs";
import { jobDefinition, type JobFlags } from "../job-definition.ts";
import { withService, type ServiceOptions } from "../service-client.ts";
import { printResult, type WaitOptions } from "./result.ts";

export async function submit(options: JobFlags & ServiceOptions & WaitOptions): Promise<void> {
  const definition = jobDefinition(options, (path) => readFileSync(path === "-" ? 0 : path, "utf8"));
  await withService(options, async (client) => {
    const job = await client.submit(definition);
    // The id alone on standard output, for scripts (`id=$(weft submit ...)`); the rest is for people.
    if (!options.wait) {
      console.log(job.id);
      console.error(`weft submit: ${job.label}, queued; weft result ${job.id} --wait prints its result`);
      return;
    }
    console.error(`weft submit: ${job.label}, queued as job ${job.id}; waiting for it`);
    await printResult(client, job.id, options);
  });
}
