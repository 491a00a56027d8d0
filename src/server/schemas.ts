// JSON schemas of the service's API: Fastify validates every request against them before a handler
// runs, and the OpenAPI description is generated from them.

const jobOptions = {
  type: "object",
  additionalProperties: false,
  properties: {
    retries: { type: "integer", minimum: 0, maximum: 10 },
    timeoutMs: { type: "integer", minimum: 1, maximum: 3_600_000 },
    workers: { type: "integer", minimum: 1, maximum: 64 },
  },
} as const;

const workloadJob = {
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
    options: jobOptions,
  },
} as const;

const taskJob = {
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
    options: jobOptions,
  },
} as const;

const benchJob = {
  type: "object",
  additionalProperties: false,
  required: ["type", "workloads", "workers"],
  properties: {
    type: { const: "bench" },
    workloads: { type: "array", minItems: 1, maxItems: 16, items: { type: "string", maxLength: 64 } },
    workers: { type: "array", minItems: 1, maxItems: 8, items: { type: "integer", minimum: 1, maximum: 64 } },
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
  oneOf: [workloadJob, taskJob, benchJob],
} as const;

export const jobViewSchema = {
  $id: "JobView",
  type: "object",
  required: ["id", "type", "label", "state", "createdAt", "progress", "definition"],
  properties: {
    id: { type: "string" },
    type: { enum: ["workload", "task", "bench"] },
    label: { type: "string" },
    state: { enum: ["queued", "running", "completed", "failed", "cancelled", "interrupted"] },
    createdAt: { type: "string", format: "date-time" },
    startedAt: { type: "string", format: "date-time" },
    finishedAt: { type: "string", format: "date-time" },
    progress: {
      type: "object",
      properties: { done: { type: "number" }, total: { type: "number" }, rate: { type: "number" } },
    },
    summary: {},
    error: { type: "string" },
    resultEntries: { type: "integer" },
    resubmittedFrom: { type: "string" },
    definition: {},
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
    state: { enum: ["queued", "running", "completed", "failed", "cancelled", "interrupted"] },
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
