// What jobs run with: the tasks and workloads they may name, and the workers and what each runs.
import type { FastifyInstance } from "fastify";
import type { JobService } from "../../jobs/job-service.ts";

export function poolRoutes(app: FastifyInstance, service: JobService): void {
  app.get("/api/catalog", { schema: { summary: "Tasks and built-in workloads jobs may name" } }, () =>
    service.catalog(),
  );
  app.get("/api/workers", { schema: { summary: "The workers and what each is doing" } }, () =>
    service.workers(),
  );
}
