// The jobs resource: submit, list, read one, cancel, resubmit.
import type { FastifyInstance } from "fastify";
import type { JobDefinition, ListQuery } from "../../api/types.ts";
import { jobIdParams, listQuery } from "../../api/schemas.ts";
import type { JobService } from "../../jobs/job-service.ts";
import type { Access } from "../guard.ts";
import { errorReplies, jobReply, namedReply } from "./replies.ts";

export function jobRoutes(app: FastifyInstance, service: JobService, access: Access): void {
  app.post<{ Body: JobDefinition }>(
    "/api/jobs",
    {
      schema: {
        operationId: "submitJob",
        summary: "Submit a job",
        body: { $ref: "JobDefinition#" },
        response: { 202: jobReply, ...errorReplies },
      },
    },
    async (request, reply) => {
      access.require(request, "submit", "submitting a job");
      const job = await service.submit(
        request.body,
        access.clientOf(request),
        undefined,
        access.quotaOf(request),
      );
      // The new job's id on this request's log lines from here on (its "request completed" too), as
      // the id in the URL is on later requests'.
      reply.log = request.log = request.log.child({ jobId: job.id });
      request.log.info("job submitted");
      return reply.code(202).send({ job });
    },
  );
  app.get<{ Querystring: ListQuery }>(
    "/api/jobs",
    {
      schema: {
        operationId: "listJobs",
        summary: "Jobs, newest first",
        querystring: listQuery,
        response: { 200: namedReply("The jobs, without their definitions", "JobList"), ...errorReplies },
      },
    },
    async (request) => ({ jobs: await service.list(request.query) }),
  );
  app.get<{ Params: { id: string } }>(
    "/api/jobs/:id",
    {
      schema: {
        operationId: "getJob",
        summary: "One job's state and progress",
        params: jobIdParams,
        response: { 200: jobReply, ...errorReplies },
      },
    },
    async (request) => ({ job: await service.get(request.params.id) }),
  );
  app.post<{ Params: { id: string } }>(
    "/api/jobs/:id/cancel",
    {
      schema: {
        operationId: "cancelJob",
        summary: "Cancel a queued or running job",
        params: jobIdParams,
        response: { 200: jobReply, ...errorReplies },
      },
    },
    async (request) => {
      access.require(request, "submit", "cancelling a job", await service.ownerOf(request.params.id));
      return { job: await service.cancel(request.params.id) };
    },
  );
  app.post<{ Params: { id: string } }>(
    "/api/jobs/:id/resubmit",
    {
      schema: {
        operationId: "resubmitJob",
        summary: "Run a job's definition again, as a new job",
        params: jobIdParams,
        response: { 202: jobReply, ...errorReplies },
      },
    },
    async (request, reply) => {
      access.require(request, "submit", "resubmitting a job", await service.ownerOf(request.params.id));
      const job = await service.resubmit(
        request.params.id,
        access.clientOf(request),
        access.quotaOf(request),
      );
      return reply.code(202).send({ job });
    },
  );
}
