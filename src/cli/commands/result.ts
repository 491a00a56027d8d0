// `weft result <id>`: a job's result from a weft service, printed as JSON; with --wait, once the job
// has finished. `weft submit --wait` prints its job's result the same way.
import { AbortError, JobNotCompletedError, type WeftClient } from "../../client/index.ts";
import { withService, type ServiceOptions } from "../service-client.ts";

export interface WaitOptions {
  /** Wait for the job to finish first. */
  readonly wait: boolean;
  /** How long --wait waits at most, in seconds. @default 600 */
  readonly waitTimeout?: number;
}

/** As long as `weft serve` lets a job run by default (--job-timeout), so a job that runs is waited for. */
const defaultWaitSeconds = 600;

export async function result(id: string, options: ServiceOptions & WaitOptions): Promise<void> {
  if (!/^[0-9a-f-]{36}$/.test(id)) {
    throw new Error(
      `"${id}" is not a job id: one looks like e448f84e-4f29-42ce-bb17-f90037f3a7dd (weft jobs lists them)`,
    );
  }
  await withService(options, (client) => printResult(client, id, options));
}

/** Prints job `id`'s result as one line of JSON, once it has finished if `options.wait`. */
export async function printResult(client: WeftClient, id: string, options: WaitOptions): Promise<void> {
  if (options.wait) await waitFor(client, id, options.waitTimeout ?? defaultWaitSeconds);
  let value: unknown;
  try {
    value = await client.result(id);
  } catch (error) {
    const { job } = error instanceof JobNotCompletedError ? error : {};
    if (job?.state === "queued" || job?.state === "running")
      throw new Error(`${(error as Error).message}: weft result ${id} --wait waits for it`);
    throw error;
  }
  console.log(JSON.stringify(value));
}

async function waitFor(client: WeftClient, id: string, seconds: number): Promise<void> {
  try {
    await client.waitFor(id, { signal: AbortSignal.timeout(seconds * 1000) });
  } catch (error) {
    if (!(error instanceof AbortError)) throw error;
    const { state } = await client.job(id);
    throw new Error(
      `job ${id} is still ${state} after ${seconds} s: weft result ${id} --wait waits again (--wait-timeout <seconds> for longer)`,
    );
  }
}
