// A `workload` job: one of the built-in workloads at a size, on the shared pool or one of its own.
import type { WorkloadJob } from "../../api/types.ts";
import { summarize } from "../summary.ts";
import { poolOptions, type Runner } from "./runner.ts";

export const runWorkload: Runner<WorkloadJob> = async (definition, context) => {
  const workload = context.admission.workload(definition.workload);
  const size = definition.size ?? workload.defaultSize;
  const answer = await context.pools.run(context.jobId, definition.options?.workers, (pool) =>
    workload.parallel(pool, size, definition.knobs, {
      signal: context.signal,
      ...poolOptions(definition.options),
    }),
  );
  return { summary: summarize(answer) };
};
