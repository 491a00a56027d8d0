// The service's HTTP side: a Fastify app with the OpenAPI description, the shared schemas, the
// dashboard's files, the checks every request passes, the error shape, and the routes by resource.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import fastifySwagger from "@fastify/swagger";
import Fastify, { type FastifyInstance } from "fastify";
import type { ClusterMonitor } from "../../backends/redis/cluster-status.ts";
import {
  catalogSchema,
  errorSchema,
  jobDefinitionSchema,
  jobListSchema,
  jobViewSchema,
  resultPageSchema,
  workersViewSchema,
} from "../api/schemas.ts";
import type { JobService } from "../jobs/job-service.ts";
import type { ServeOptions, ServerSettings } from "../options.ts";
import { handleError, handleNotFound } from "./errors.ts";
import { allowedHosts, installGuard } from "./guard.ts";
import { loggerOptions } from "./logging.ts";
import { eventRoutes } from "./routes/events.ts";
import { healthRoutes } from "./routes/health.ts";
import { jobRoutes } from "./routes/jobs.ts";
import { poolRoutes } from "./routes/pool.ts";
import { resultRoutes } from "./routes/results.ts";
import { siteRoutes } from "./routes/site.ts";

const webDir = fileURLToPath(new URL("../../../web/", import.meta.url));

/** The app with every route, not yet listening; `cluster` when its jobs run on one, for the metrics. */
export async function createApp(
  service: JobService,
  settings: ServerSettings,
  options: Pick<ServeOptions, "log" | "trustProxy" | "allowedHosts">,
  cluster?: ClusterMonitor,
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(options.log),
    bodyLimit: settings.bodyLimit,
    ajv: { customOptions: { discriminator: true, removeAdditional: false, coerceTypes: true } },
    ...(options.trustProxy !== undefined && {
      trustProxy: typeof options.trustProxy === "object" ? [...options.trustProxy] : options.trustProxy,
    }),
  });
  const token = settings.tokens.required;
  await app.register(fastifySwagger, {
    // Shared schemas keep their names in the description instead of def-0, def-1...
    // A discriminator over inline branches helps Ajv's messages, but no client generator can use it.
    transformObject: (document) =>
      "openapiObject" in document
        ? withoutInlineDiscriminators(document.openapiObject)
        : document.swaggerObject,
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === "string" ? json.$id : `def-${i}`,
    },
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "weft",
        version: packageVersion(),
        description: "Jobs on weft's workers, over HTTP.",
        license: { name: "MIT", identifier: "MIT" },
      },
      // The service that serves this document: a client is pointed at it.
      servers: [{ url: "/", description: "this service" }],
      components: token ? { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } } : {},
      // Without a token (on loopback), none: said outright, so a client does not look for one.
      security: token ? [{ bearer: [] }] : [],
    },
  });
  app.addSchema(jobDefinitionSchema);
  app.addSchema(jobViewSchema);
  app.addSchema(jobListSchema);
  app.addSchema(resultPageSchema);
  app.addSchema(catalogSchema);
  app.addSchema(workersViewSchema);
  app.addSchema(errorSchema);
  await app.register(fastifyStatic, { root: webDir, prefix: "/assets/", index: false });

  const access = installGuard(app, {
    tokens: settings.tokens,
    hosts: allowedHosts(settings.host, settings.loopback, options.allowedHosts),
  });
  app.setNotFoundHandler(handleNotFound);
  app.setErrorHandler(handleError);

  jobRoutes(app, service, access);
  resultRoutes(app, service);
  poolRoutes(app, service);
  eventRoutes(app, service, settings.eventBufferBytes);
  siteRoutes(app, service, cluster);
  healthRoutes(app, service, cluster);
  return app;
}

/** `document` without the discriminators whose `oneOf` branches are inline, which select nothing there. */
function withoutInlineDiscriminators<T>(document: T): T {
  const schemas = (document as { components?: { schemas?: Record<string, Record<string, unknown>> } })
    .components?.schemas;
  for (const schema of Object.values(schemas ?? {})) {
    const branches = schema.oneOf as { $ref?: string }[] | undefined;
    if (schema.discriminator && branches?.some((branch) => branch.$ref === undefined))
      delete schema.discriminator;
  }
  return document;
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}
