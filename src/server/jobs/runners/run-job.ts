// A job run by the runner of its kind.
import type { JobDefinition } from "../../api/types.ts";
import { runBench } from "./bench-runner.ts";
import type { Outcome, RunContext } from "./runner.ts";
import { runTask } from "./task-runner.ts";
import { runWorkload } from "./workload-runner.ts";

export function runJob(definition: JobDefinition, context: RunContext): Promise<Outcome> {
  switch (definition.type) {
    case "workload":
      return runWorkload(definition, context);
    case "task":
      return runTask(definition, context);
    case "bench":
      return runBench(definition, context);
  }
}
