// A job as a worker holds it: its task functions loaded and its chunk loop compiled, once per worker.
import type { JobSpec, Stage, Terminal } from "../plan/plan.ts";
import { loadTask } from "../task/load.ts";
import type { TaskRef } from "../task/task-ref.ts";
import { compileFastLoop, fastPrefix, type FastLoop } from "./fast-loop.ts";

export type Fn = (...args: unknown[]) => unknown;

export interface LoadedStage {
  readonly op: Stage["op"];
  readonly fn: Fn;
  readonly ref: TaskRef;
}

export interface LoadedJob {
  readonly spec: JobSpec;
  readonly stages: readonly LoadedStage[];
  readonly terminalFns: readonly Fn[];
  /** The terminal's tasks as loaded here, in the order of `terminalFns`. */
  readonly terminalRefs: readonly TaskRef[];
  /** The generated loop for the leading map/filter stages, and how many stages it covers. */
  readonly fastLoop: FastLoop;
  readonly prefix: number;
}

export async function loadJob(spec: JobSpec): Promise<LoadedJob> {
  const stages = await Promise.all(spec.stages.map(async (s) => ({ op: s.op, ...(await loadTask(s.task)) })));
  const terminal = await Promise.all(terminalTasks(spec.terminal).map((ref) => loadTask(ref)));
  return {
    spec,
    stages,
    terminalFns: terminal.map((t) => t.fn),
    terminalRefs: terminal.map((t) => t.ref),
    fastLoop: compileFastLoop(stages),
    prefix: fastPrefix(stages),
  };
}

function terminalTasks(terminal: Terminal): TaskRef[] {
  switch (terminal.op) {
    case "collect":
    case "count":
      return [];
    case "reduce":
    case "fold":
    case "call":
      return [terminal.task];
    case "reduceByKey":
      return terminal.value
        ? [terminal.key, terminal.combine, terminal.value]
        : [terminal.key, terminal.combine];
    case "groupBy":
      return [terminal.key];
  }
}
