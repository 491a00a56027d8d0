// A `task` job: a task of the service's modules mapped over (or filtering) items or a range, its
// outputs counted, summed (both resumable after a restart), or collected up to the service's limit on
// a result's size.
import type { TaskSubmission } from "../../api/types.ts";
import type { Collection } from "../../../pool/collection.ts";
import * as builtInTasks from "../../../workloads/tasks.ts";
import { JobError } from "../errors.ts";
import { summarize } from "../summary.ts";
import { poolOptions, type Outcome, type Runner } from "./runner.ts";

export const runTask: Runner<TaskSubmission> = (definition, context) => {
  const fn = context.admission.task(definition.task);
  return context.pools.run(
    context.serviceJobId,
    definition.options?.workers,
    async (pool): Promise<Outcome> => {
      const { input } = definition;
      const source: Collection<unknown> =
        "items" in input
          ? pool.from(input.items)
          : (pool.range(input.range.from, input.range.to, input.range.step) as Collection<unknown>);
      const stepped = (definition.op === "filter" ? source.filter(fn) : source.map(fn)).options({
        signal: context.signal,
        ...poolOptions(definition.options),
      });
      // A count or a sum keeps a ledger of its settled chunks, under the job's id: a server that
      // stops mid-job runs it again from them (see cannotResume in run-job.ts).
      const resumable = stepped.options({ resumable: context.serviceJobId });
      switch (definition.reduce ?? "collect") {
        case "count":
          return { summary: { value: await resumable.count() } };
        case "sum":
          return {
            summary: summarize(
              await resumable.reduce(builtInTasks.add as (a: unknown, b: unknown) => unknown, 0),
            ),
          };
        case "collect":
          return collect(stepped, context.maxResultBytes);
      }
    },
  );
};

/** Every output, streamed, so that a result past `limit` bytes of JSON stops the job before it is all in memory. */
async function collect(outputs: Collection<unknown>, limit: number): Promise<Outcome> {
  const entries: unknown[] = [];
  let bytes = 0;
  for await (const value of outputs.stream()) {
    const entry = summarize(value, "entry");
    bytes += (JSON.stringify(entry) ?? "null").length + 1;
    if (bytes > limit) {
      throw new JobError(
        `the result passed the service's limit of ${limit.toLocaleString("en-US")} bytes: ` +
          `reduce it with "count" or "sum", or split the input into several jobs`,
      );
    }
    entries.push(entry);
  }
  return { summary: { entries: entries.length }, entries };
}
