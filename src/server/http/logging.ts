// The request log: off, or Fastify's JSON lines, where a URL never holds a token.
import type { FastifyRequest } from "fastify";

/** Where log lines go: standard output (`true`), or a stream of the caller's. */
export type LogOption = boolean | { write(line: string): unknown };

/** Fastify's logger options for `log`. */
export function loggerOptions(log: LogOption | undefined) {
  if (!log) return false;
  return {
    ...(log !== true && { stream: log }),
    serializers: {
      req: (request: FastifyRequest) => ({
        method: request.method,
        url: redactToken(request.url),
        ...jobIdOf(request.url),
        host: request.host,
        remoteAddress: request.ip,
        remotePort: request.socket.remotePort,
      }),
    },
  };
}

/** A URL with the value of its `token` query parameter (the event stream's and links') replaced. */
export function redactToken(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/gi, "$1[redacted]");
}

/** The job a request is about, from its URL (`/api/jobs/<id>...`), for its log lines. */
function jobIdOf(url: string): { jobId?: string } {
  const id = /^\/api\/jobs\/([^/?#]+)/.exec(url)?.[1];
  return id === undefined ? {} : { jobId: decodeURIComponent(id) };
}
