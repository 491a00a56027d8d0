// The service's API types by name, from the ones generated from its OpenAPI document (api-types.ts),
// for the client's methods and their callers.
import type { components, operations } from "./api-types.ts";

type Schemas = components["schemas"];

/** What `submit()` sends: a workload, a task over an input, or a benchmark (docs/service.md, Jobs). */
export type JobDefinition = Schemas["JobDefinition"];
/** One of the built-in workloads (`weft workloads`) at a size. */
export type WorkloadJob = Extract<JobDefinition, { type: "workload" }>;
/** A task of the service's `--tasks` modules mapped over `items` or a `range`. */
export type TaskJob = Extract<JobDefinition, { type: "task" }>;
/** `weft bench` as a job; its HTML report is `report()` once it completes. */
export type BenchJob = Extract<JobDefinition, { type: "bench" }>;

/**
 * A job as the service shows it; times are ISO 8601. The document leaves `definition` as any JSON (the
 * service does not check its own replies against the definition's schema); it is the definition that
 * was submitted, and is there in a job's own view (`job()`, `submit()`), not in lists or events.
 */
export type JobView = Omit<Schemas["JobView"], "definition"> & { readonly definition?: JobDefinition };
export type JobState = JobView["state"];

/** `jobs()`'s filter: `limit` (1 to 500, default 50), `state`, and `before`, a time to page back from. */
export type ListQuery = NonNullable<operations["listJobs"]["parameters"]["query"]>;
/** A page of a completed job's stored result: `entries` from `offset`, of `total`. */
export type ResultPage = Schemas["ResultPage"];
/** The tasks and built-in workloads the service's jobs may name. */
export type Catalog = Schemas["Catalog"];
/** The service's workers, and the job each is running. */
export type WorkersView = Schemas["WorkersView"];

/**
 * One chunk finished on a worker (times in ms since the epoch; `task` the workload or task that ran).
 * The OpenAPI document describes the event stream as text only, so this one type is written here;
 * test/client/api-types.test.ts holds it to the server's schema of the event.
 */
export interface ChunkEvent {
  jobId: string;
  worker: number;
  startedAt: number;
  endedAt: number;
  items: number;
  task: string;
}

/**
 * One event of the service's stream (`events()`): a job changed state or made progress (its view
 * without its definition), a chunk finished, or the workers changed.
 */
export type ServiceEvent =
  | { readonly event: "job"; readonly data: JobView }
  | { readonly event: "chunk"; readonly data: ChunkEvent }
  | { readonly event: "workers"; readonly data: WorkersView };
