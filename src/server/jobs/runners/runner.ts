// What a runner is: one kind of job (workload, task, bench) run to its outcome, given the job's id,
// its signal and where its pool work goes. The service picks the runner by the job's type.
import type { JobDefinition, SubmissionOptions } from "../../api/types.ts";
import type { Admission } from "../admission.ts";
import type { JobPools } from "../job-pools.ts";

/** What a job leaves: its summary and, for jobs that collect, every entry of its result. */
export interface Outcome {
  readonly summary: unknown;
  readonly entries?: unknown[];
}

export interface RunContext {
  readonly serviceJobId: string;
  /** Aborted when the job is cancelled, passes its deadline, or the server stops. */
  readonly signal: AbortSignal;
  readonly pools: JobPools;
  /** The tasks and workloads jobs name. */
  readonly admission: Admission;
  /** The most bytes (as JSON) a collecting job may store. */
  readonly maxResultBytes: number;
}

export type Runner<D extends JobDefinition> = (definition: D, context: RunContext) => Promise<Outcome>;

/** A submission's options as the pool's jobs take them. */
export function poolOptions(options: SubmissionOptions | undefined) {
  return {
    ...(options?.retries !== undefined && { retries: options.retries }),
    ...(options?.timeoutMs !== undefined && { timeout: options.timeoutMs }),
  };
}
