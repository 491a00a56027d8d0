// What a finished job leaves: its result, a page at a time, and a bench job's HTML report.
import type { FastifyInstance } from "fastify";
import type { PageQuery } from "../../api/types.ts";
import { jobIdParams, pageQuery } from "../../api/schemas.ts";
import type { JobService } from "../../jobs/job-service.ts";
import { errorReplies, namedReply, textReply } from "./replies.ts";

export function resultRoutes(app: FastifyInstance, service: JobService): void {
  app.get<{ Params: { id: string }; Querystring: PageQuery }>(
    "/api/jobs/:id/result",
    {
      schema: {
        operationId: "getJobResult",
        summary: "A page of a completed job's result",
        params: jobIdParams,
        querystring: pageQuery,
        response: {
          200: namedReply("Entries of the result, and how many there are", "ResultPage"),
          ...errorReplies,
        },
      },
    },
    (request) => service.results(request.params.id, request.query.offset, request.query.limit),
  );
  app.get<{ Params: { id: string } }>(
    "/api/jobs/:id/report",
    {
      schema: {
        operationId: "getJobReport",
        summary: "The HTML report of a completed bench job",
        params: jobIdParams,
        response: { 200: textReply("The report, a page of its own", "text/html"), ...errorReplies },
      },
    },
    async (request, reply) =>
      reply.type("text/html; charset=utf-8").send(await service.report(request.params.id)),
  );
}
