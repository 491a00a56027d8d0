// JSON schemas of the service's API: Fastify validates every request against them before a handler
// runs, the OpenAPI description is generated from them, and the API's TypeScript types are derived
// from them (types.ts), so the three cannot disagree.

/** A job's states, from submitted to finished. */
export const jobStates = ["queued", "running", "completed", "failed", "cancelled", "interrupted"] as const;

const jobOptionsSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    retries: { type: "integer", minimum: 0, maximum: 10 },
    timeoutMs: { type: "integer", minimum: 1, maximum: 3_600_000 },
    workers: { type: "integer", minimum: 1, maximum: 64 },
  },
} as const;

export const workloadJobSchema = {
  type: "object",
  additionalProperties: false,
  required: ["type", "workload"],
  properties: {
    type: { const: "workload" },
    workload: { type: "string", maxLength: 64 },
    size: { type: "integer", minimum: 1, maximum: 1_000_000_000 },
    knobs: {
      type: "object",
      additionalProperties: false,
      properties: {
        itemMicros: { type: "number", exclusiveMinimum: 0, maximum: 1_000_000 },
        serialFraction: { type: "number", minimum: 0, exclusiveMaximum: 1 },
      },
    },
    options: jobOptionsSchema,
  },
} as const;

export const taskJobSchema = {
  type: "object",
  additionalProperties: false,
  required: ["type", "task", "input"],
  properties: {
    type: { const: "task" },
    task: { type: "string", maxLength: 200 },
    input: {
      oneOf: [
        {
          type: "object",
          additionalProperties: false,
          required: ["items"],
          properties: { items: { type: "array", maxItems: 1_000_000 } },
        },
        {
          type: "object",
          additionalProperties: false,
          required: ["range"],
          properties: {
            range: {
              type: "object",
              additionalProperties: false,
              required: ["from", "to"],
              properties: {
                from: { type: "number" },
                to: { type: "number" },
                step: { type: "number", exclusiveMinimum: 0 },
              },
            },
          },
        },
      ],
    },
    op: { enum: ["map", "filter"] },
    reduce: { enum: ["collect", "count", "sum"] },
    options: jobOptionsSchema,
  },
} as const;

export const benchJobSchema = {
  type: "object",
  additionalProperties: false,
  required: ["type", "workloads", "workers"],
  properties: {
    type: { const: "bench" },
    workloads: {
      type: "array",
      minItems: 1,
      maxItems: 16,
      uniqueItems: true,
      items: { type: "string", maxLength: 64 },
    },
    workers: {
      type: "array",
      minItems: 1,
      maxItems: 8,
      uniqueItems: true,
      items: { type: "integer", minimum: 1, maximum: 64 },
    },
    size: { type: "integer", minimum: 1, maximum: 1_000_000_000 },
    quick: { type: "boolean" },
    repeat: { type: "integer", minimum: 1, maximum: 20 },
  },
} as const;

export const jobDefinitionSchema = {
  $id: "JobDefinition",
  description: "A built-in workload, a task from the service's task modules over an input, or a benchmark",
  type: "object",
  required: ["type"],
  // Picks the branch by `type`, so a bad job gets that branch's errors, not every branch's.
  discriminator: { propertyName: "type" },
  oneOf: [workloadJobSchema, taskJobSchema, benchJobSchema],
} as const;

export const jobViewSchema = {
  $id: "JobView",
  type: "object",
  additionalProperties: false,
  required: ["id", "type", "label", "state", "createdAt", "progress"],
  properties: {
    id: { type: "string" },
    type: { enum: ["workload", "task", "bench"] },
    label: { type: "string" },
    state: { enum: jobStates },
    createdAt: { type: "string", format: "date-time" },
    startedAt: { type: "string", format: "date-time" },
    finishedAt: { type: "string", format: "date-time" },
    progress: {
      type: "object",
      additionalProperties: false,
      required: ["done", "rate"],
      properties: { done: { type: "number" }, total: { type: "number" }, rate: { type: "number" } },
    },
    summary: {},
    error: { type: "string" },
    resultEntries: { type: "integer" },
    resubmittedFrom: { type: "string" },
    // Any JSON here: a reply is not checked against the definition's schema again (types.ts gives it
    // the JobDefinition type).
    definition: {},
  },
} as const;

/** A `chunk` event of the event stream: one chunk finished on a worker. Times are ms since the epoch. */
export const chunkEventSchema = {
  type: "object",
  additionalProperties: false,
  required: ["jobId", "worker", "startedAt", "endedAt", "items", "task"],
  properties: {
    jobId: { type: "string" },
    worker: { type: "integer" },
    startedAt: { type: "number" },
    endedAt: { type: "number" },
    items: { type: "integer" },
    /** What ran, for the bar's colour: the workload or task name. */
    task: { type: "string" },
  },
} as const;

/** The workers and the job each is running (`GET /api/workers`, and the `workers` event). */
export const workersViewSchema = {
  $id: "WorkersView",
  type: "object",
  additionalProperties: false,
  required: ["backend", "workers"],
  properties: {
    backend: { type: "string" },
    workers: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["worker", "busy"],
        properties: { worker: { type: "integer" }, busy: { type: "boolean" }, jobId: { type: "string" } },
      },
    },
  },
} as const;

/** `GET /api/jobs`: jobs newest first, each without its definition. */
export const jobListSchema = {
  $id: "JobList",
  type: "object",
  additionalProperties: false,
  required: ["jobs"],
  properties: { jobs: { type: "array", items: { $ref: "JobView#" } } },
} as const;

/** A page of a completed job's stored result: `entries` from `offset`, of `total`. */
export const resultPageSchema = {
  $id: "ResultPage",
  type: "object",
  additionalProperties: false,
  required: ["total", "offset", "entries"],
  properties: {
    total: { type: "integer" },
    offset: { type: "integer" },
    // Any JSON: what the job's task returned for each item.
    entries: { type: "array", items: {} },
  },
} as const;

/** The tasks (`<module file name>.<export>`) and built-in workloads jobs may name. */
export const catalogSchema = {
  $id: "Catalog",
  type: "object",
  additionalProperties: false,
  required: ["tasks", "workloads"],
  properties: {
    tasks: { type: "array", items: { type: "string" } },
    workloads: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["name", "summary", "unit", "defaultSize", "quickSize"],
        properties: {
          name: { type: "string" },
          summary: { type: "string" },
          unit: { type: "string" },
          defaultSize: { type: "integer" },
          quickSize: { type: "integer" },
        },
      },
    },
  },
} as const;

export const errorSchema = {
  $id: "Error",
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: { code: { type: "string" }, message: { type: "string" } },
    },
  },
} as const;

export const jobIdParams = {
  type: "object",
  required: ["id"],
  properties: { id: { type: "string", pattern: "^[0-9a-f-]{36}$" } },
} as const;

export const listQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    limit: { type: "integer", minimum: 1, maximum: 500, default: 50 },
    state: { enum: jobStates },
    before: { type: "string", format: "date-time" },
  },
} as const;

export const pageQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    /** For a result page opened in a new browser tab, which cannot send the header. */
    token: { type: "string" },
    offset: { type: "integer", minimum: 0, default: 0 },
    limit: { type: "integer", minimum: 1, maximum: 10_000, default: 100 },
  },
} as const;
