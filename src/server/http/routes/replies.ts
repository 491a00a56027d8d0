// The reply schemas routes share: a job, a shared schema by name, and the error shape under every
// error status.
export const jobReply = {
  type: "object",
  additionalProperties: false,
  required: ["job"],
  properties: { job: { $ref: "JobView#" } },
} as const;

/** A reply of one of the shared schemas (app.addSchema), by its `$id`. */
export const namedReply = (description: string, id: string) => ({ description, $ref: `${id}#` }) as const;

/** A reply that is not JSON: the event stream, an HTML report. */
export const textReply = (description: string, mediaType: string) =>
  ({ description, content: { [mediaType]: { schema: { type: "string" } } } }) as const;

export const errorReplies = Object.fromEntries(
  [400, 401, 403, 404, 409, 413, 429, 503].map((status) => [status, { $ref: "Error#" }]),
);
