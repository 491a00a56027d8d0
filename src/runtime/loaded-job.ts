// A job as a worker holds it: its task functions loaded and its chunk loop compiled, once per worker.
import type { JobSpec, Stage, Terminal } from "../protocol/plan.ts";
import { loadTask } from "../task/load.ts";
import { taskKey, type TaskRef } from "../protocol/task-ref.ts";
import { fastLoopFor, runsTerminalInline, type FastLoop } from "./fast-loop.ts";

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
  /** The loop generated for the job's stages (see fast-loop.ts). */
  readonly fastLoop: FastLoop;
  /** Whether the loop runs the terminal's step itself (see fast-loop.ts). */
  readonly inlineTerminal: boolean;
}

export async function loadJob(spec: JobSpec): Promise<LoadedJob> {
  const stages = await Promise.all(spec.stages.map(async (s) => ({ op: s.op, ...(await loadTask(s.task)) })));
  const terminalRefs = terminalTasks(spec.terminal);
  const terminal = await Promise.all(terminalRefs.map((ref) => loadTask(ref)));
  const terminalFns = terminal.map((t) => t.fn);
  // Jobs of the same shape run the same generated loop, already optimised by the ones before.
  const shape = [
    ...spec.stages.map((s) => `${s.op} ${taskKey(s.task)}`),
    `${spec.terminal.op} ${terminalRefs.map(taskKey).join(" ")}`,
  ].join("\n");
  return {
    spec,
    stages,
    terminalFns,
    terminalRefs: terminal.map((t) => t.ref),
    fastLoop: fastLoopFor(shape, stages, spec.terminal.op, terminalFns),
    inlineTerminal: runsTerminalInline(spec.terminal.op),
  };
}

function terminalTasks(terminal: Terminal): TaskRef[] {
  switch (terminal.op) {
    case "collect":
    case "count":
    case "write":
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
    case "shuffle":
      return [
        ...(terminal.key ? [terminal.key] : []),
        ...(terminal.value ? [terminal.value] : []),
        ...(terminal.keyed.kind === "reduceByKey" ? [terminal.keyed.combine] : []),
      ];
  }
}
