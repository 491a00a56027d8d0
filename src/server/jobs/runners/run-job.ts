// A job run by the runner of its kind, and whether one a stopped server left running can run again.
import type { JobDefinition } from "../../api/types.ts";
import { runBench } from "./bench-runner.ts";
import type { Outcome, RunContext } from "./runner.ts";
import { runTask } from "./task-runner.ts";
import { runWorkload } from "./workload-runner.ts";

/**
 * Why job `id`, left running by a server that stopped, cannot run again from its ledger; undefined
 * if it can (its runner keeps a ledger under the job's id).
 */
export function cannotResume(id: string, definition: JobDefinition): string | undefined {
  const resubmit = `resubmit it with POST /api/jobs/${id}/resubmit`;
  switch (definition.type) {
    case "workload":
      return undefined;
    case "task":
      return (definition.reduce ?? "collect") === "collect"
        ? `the server stopped while this job was running, and a job that collects its outputs streams them as they come, so it cannot resume from its settled chunks: ${resubmit}`
        : undefined;
    case "bench":
      return `the server stopped while this bench job was running, and a benchmark cannot resume (its timed runs start again in a process of their own): ${resubmit}`;
  }
}

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
