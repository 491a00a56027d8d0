// A `workload` job: one of the built-in workloads at a size, on the shared pool or one of its own.
// Every built-in workload ends in a terminal a ledger can keep, so each is resumable after a restart.
import type { WorkloadSubmission } from "../../api/types.ts";
import { summarize } from "../summary.ts";
import { poolOptions, type Runner } from "./runner.ts";

export const runWorkload: Runner<WorkloadSubmission> = async (definition, context) => {
  const workload = context.admission.workload(definition.workload);
  const size = definition.size ?? workload.defaultSize;
  const answer = await context.pools.run(context.serviceJobId, definition.options?.workers, (pool) =>
    workload.parallel(pool, size, definition.knobs, {
      signal: context.signal,
      resumable: context.serviceJobId,
      ...poolOptions(definition.options),
    }),
  );
  return { summary: summarize(answer) };
};
