// The reply schemas routes share: a job, and the error shape under every error status.
export const jobReply = { type: "object", properties: { job: { $ref: "JobView#" } } } as const;

/** A JSON object whose shape the route's code gives (the types in api/types.ts), for the description. */
export const objectReply = (description: string) =>
  ({ description, type: "object", additionalProperties: true }) as const;

/** A reply that is not JSON: the event stream, an HTML report. */
export const textReply = (description: string, mediaType: string) =>
  ({ description, content: { [mediaType]: { schema: { type: "string" } } } }) as const;

export const errorReplies = Object.fromEntries(
  [400, 401, 403, 404, 409, 413, 429, 503].map((status) => [status, { $ref: "Error#" }]),
);
