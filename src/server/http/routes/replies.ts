// The reply schemas routes share: a job, and the error shape under every error status.
export const jobReply = { type: "object", properties: { job: { $ref: "JobView#" } } } as const;

export const errorReplies = Object.fromEntries(
  [400, 401, 403, 404, 409, 413, 429, 503].map((status) => [status, { $ref: "Error#" }]),
);
