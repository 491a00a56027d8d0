// The service's API as data: what clients send and what they get back. The JSON schemas the server
// validates with are in schemas.ts; these types mirror them for the code on both sides.

export type JobState = "queued" | "running" | "completed" | "failed" | "cancelled" | "interrupted";

/** Options every job takes. */
export interface JobOptions {
  /** Retries per chunk. */
  readonly retries?: number;
  /** The longest one chunk may run, in ms. */
  readonly timeoutMs?: number;
  /** Run on a pool of this many workers of its own instead of the service's shared pool (threads only). */
  readonly workers?: number;
}

/** One of the built-in workloads (`weft workloads`), at a size. */
export interface WorkloadJob {
  readonly type: "workload";
  readonly workload: string;
  readonly size?: number;
  readonly knobs?: { readonly itemMicros?: number; readonly serialFraction?: number };
  readonly options?: JobOptions;
}

/** A task from the modules the service was started with (`--tasks`), mapped over an input. */
export interface TaskJob {
  readonly type: "task";
  /** As the cluster names tasks: `<module file name>.<export>`, e.g. `tasks.isPrime`. */
  readonly task: string;
  readonly input:
    { readonly items: readonly unknown[] } | { readonly range: { from: number; to: number; step?: number } };
  /** map (default) keeps every output; filter keeps the items for which the task is truthy. */
  readonly op?: "map" | "filter";
  /** collect (default) stores every output; count and sum store one number. */
  readonly reduce?: "collect" | "count" | "sum";
  readonly options?: JobOptions;
}

/** `weft bench` as a job: its report is served at /api/jobs/:id/report when it is done. */
export interface BenchJob {
  readonly type: "bench";
  readonly workloads: readonly string[];
  readonly workers: readonly number[];
  readonly size?: number;
  readonly quick?: boolean;
  readonly repeat?: number;
}

export type JobDefinition = WorkloadJob | TaskJob | BenchJob;

/** A job as the API shows it. Times are ISO 8601. */
export interface JobView {
  readonly id: string;
  readonly type: JobDefinition["type"];
  /** The job in words: "primes below 20,000,000". */
  readonly label: string;
  readonly state: JobState;
  readonly createdAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly progress: { readonly done: number; readonly total?: number; readonly rate: number };
  /** For a finished job: its answer when it is one value, else what it holds ({ entries }); a bench's table. */
  readonly summary?: unknown;
  /** Why it failed, in one line; never a stack trace. */
  readonly error?: string;
  /** Entries stored as the result, readable page by page. */
  readonly resultEntries?: number;
  /** The job this one was resubmitted from. */
  readonly resubmittedFrom?: string;
  readonly definition: JobDefinition;
}

/** What the event stream (`GET /api/events`, Server-Sent Events) sends, by event name. */
export interface ServiceEvents {
  /** A job changed state, or made progress (at most a few times a second per job). */
  job: JobView;
  /** A chunk finished on a worker: one bar on the task stream. Times are ms since the epoch. */
  chunk: {
    readonly jobId: string;
    readonly worker: number;
    readonly startedAt: number;
    readonly endedAt: number;
    readonly items: number;
    /** What ran, for the bar's colour: the workload or task name. */
    readonly task: string;
  };
  /** The workers and what each is doing. */
  workers: WorkersView;
}

export interface WorkersView {
  readonly backend: string;
  readonly workers: readonly { readonly worker: number; readonly busy: boolean; readonly jobId?: string }[];
}
