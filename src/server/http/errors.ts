// Every error the API answers, in one shape: `{ error: { code, message } }` with the status that
// says what went wrong. A stack never reaches the client; the server's log has it.
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { RequestError } from "../jobs/errors.ts";
import { isStoreFailure, JobNotFoundError, JobStateError } from "../store/errors.ts";

export function failure(code: string, message: string) {
  return { error: { code, message } };
}

/** Fastify's error handler for the service. */
export function handleError(
  error: FastifyError | (Error & { statusCode?: number; code?: string; validation?: unknown }),
  request: FastifyRequest,
  reply: FastifyReply,
) {
  if (error instanceof RequestError) return reply.code(error.status).send(failure(error.code, error.message));
  if (error instanceof JobStateError) return reply.code(409).send(failure("conflict", error.message));
  if (error instanceof JobNotFoundError) return reply.code(404).send(failure("not_found", error.message));
  if (isStoreFailure(error)) {
    logError(request, error);
    const cause = error.message.split("\n")[0];
    return reply.code(503).send(failure("store_unavailable", `the job store cannot take this now: ${cause}`));
  }
  if (error.validation) return reply.code(400).send(failure("bad_request", error.message));
  if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE")
    return reply.code(413).send(failure("payload_too_large", error.message));
  if (error.statusCode && error.statusCode < 500)
    return reply.code(error.statusCode).send(failure("bad_request", error.message));
  // Anything else is weft's fault: logged here with its stack, told to the client without it.
  logError(request, error);
  return reply.code(500).send(failure("internal", "internal error; the server's log has the details"));
}

export function handleNotFound(request: FastifyRequest, reply: FastifyReply) {
  return reply
    .code(404)
    .send(failure("not_found", `no route ${request.method} ${request.url.split("?")[0]}`));
}

function logError(request: FastifyRequest, error: Error): void {
  request.log.error(error);
  console.error(error);
}
