// What is not the API: the dashboard's page and its chart bundle, the OpenAPI description, and the
// Prometheus metrics.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { FastifyInstance } from "fastify";
import type { ClusterMonitor } from "../../../backends/redis/cluster-status.ts";
import type { JobService } from "../../jobs/job-service.ts";
import { createMetrics } from "../metrics.ts";

const chartBundle = join(dirname(createRequire(import.meta.url).resolve("chart.js")), "chart.umd.js");

export function siteRoutes(
  app: FastifyInstance,
  service: JobService,
  cluster: ClusterMonitor | undefined,
): void {
  const metrics = createMetrics(service, cluster);
  app.get("/metrics", { schema: { hide: true } }, async (_request, reply) =>
    reply.type(metrics.contentType).send(await metrics.metrics()),
  );
  app.get("/openapi.json", { schema: { hide: true } }, () => app.swagger());
  app.get("/", { schema: { hide: true } }, (_request, reply) => reply.sendFile("index.html"));
  app.get("/assets/chart.umd.js", { schema: { hide: true } }, (_request, reply) =>
    reply.type("text/javascript").send(readFileSync(chartBundle)),
  );
}
