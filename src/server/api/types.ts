// The service's API as TypeScript types, derived from its JSON schemas (schemas.ts) by
// json-schema-to-ts: what clients send and get back, for the code on both sides.
import type { FromSchema } from "json-schema-to-ts";
import type {
  benchJobSchema,
  chunkEventSchema,
  jobDefinitionSchema,
  jobStates,
  jobViewSchema,
  listQuery,
  pageQuery,
  taskJobSchema,
  workersViewSchema,
  workloadJobSchema,
} from "./schemas.ts";

export type JobState = (typeof jobStates)[number];

// A job here is a service job: what a client submits to `weft serve` (the API's /api/jobs). It runs
// as pool jobs (src/pool) on the service's pool; the names below say "submission" where the two meet.

/** One of the built-in workloads (`weft workloads`), at a size. */
export type WorkloadSubmission = FromSchema<typeof workloadJobSchema>;
/** A task from the modules the service was started with (`--tasks`), mapped over an input. */
export type TaskSubmission = FromSchema<typeof taskJobSchema>;
/** A bench run (`weft bench`) as a service job: its report is served at /api/jobs/:id/report when it is done. */
export type BenchSubmission = FromSchema<typeof benchJobSchema>;
export type JobDefinition = FromSchema<typeof jobDefinitionSchema>;
/** Options every workload and task submission takes, turned into the pool's `JobOptions` by its runner. */
export type SubmissionOptions = NonNullable<WorkloadSubmission["options"]>;

/**
 * A job as the API shows it; times are ISO 8601. `definition` is in a job's own view (GET
 * /api/jobs/:id, the reply to a submit), not in lists or events; its schema leaves it as any JSON
 * so that replies are not checked against the definition's schema again.
 */
export type JobView = Omit<FromSchema<typeof jobViewSchema>, "definition"> & {
  readonly definition?: JobDefinition;
};

/** The workers and what each is doing. */
export type WorkersView = FromSchema<typeof workersViewSchema>;

/** What the event stream (`GET /api/events`, Server-Sent Events) sends, by event name. */
export interface ServiceEvents {
  /** A job changed state, or made progress (at most a few times a second per job): its view without its definition. */
  job: JobView;
  /** A chunk finished on a worker: one bar on the task stream. */
  chunk: FromSchema<typeof chunkEventSchema>;
  /** The workers and what each is doing. */
  workers: WorkersView;
}

/** `GET /api/jobs`'s query, after its defaults. */
export type ListQuery = FromSchema<typeof listQuery>;
/** A result page's query, after its defaults. */
export type PageQuery = FromSchema<typeof pageQuery>;
