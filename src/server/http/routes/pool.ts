// What jobs run with: the tasks and workloads they may name, and the workers and what each runs.
import type { FastifyInstance } from "fastify";
import type { JobService } from "../../jobs/job-service.ts";
import { errorReplies, namedReply } from "./replies.ts";

export function poolRoutes(app: FastifyInstance, service: JobService): void {
  app.get(
    "/api/catalog",
    {
      schema: {
        operationId: "getCatalog",
        summary: "Tasks and built-in workloads jobs may name",
        response: { 200: namedReply("The tasks and workloads", "Catalog"), ...errorReplies },
      },
    },
    () => service.catalog(),
  );
  app.get(
    "/api/workers",
    {
      schema: {
        operationId: "listWorkers",
        summary: "The workers and what each is doing",
        response: { 200: namedReply("The pool's backend and its workers", "WorkersView"), ...errorReplies },
      },
    },
    () => service.workers(),
  );
}
