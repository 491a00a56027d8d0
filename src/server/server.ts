// `weft serve`: the HTTP service. Fastify routes for jobs, results, workers, a Server-Sent Events
// stream, Prometheus metrics, the OpenAPI description and the dashboard; every request body
// validated against a schema and size-limited; a token required whenever it listens beyond loopback.
import { timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import fastifySwagger from "@fastify/swagger";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { weft } from "../pool/pool.ts";
import type { RedisOptions } from "../backends/redis/connection.ts";
import type { JobDefinition, JobState } from "./api-types.ts";
import { JobService, RequestError } from "./job-service.ts";
import { JobNotFoundError, JobStateError, JobStore } from "./job-store.ts";
import { createMetrics } from "./metrics.ts";
import {
  errorSchema,
  jobDefinitionSchema,
  jobIdParams,
  jobViewSchema,
  listQuery,
  pageQuery,
} from "./schemas.ts";
import { TaskCatalog } from "./task-catalog.ts";

export interface ServeOptions {
  /** Task modules whose weft tasks jobs may name. */
  readonly tasks: readonly string[];
  /** @default "127.0.0.1" */
  readonly host?: string;
  /** 0 picks a free port. @default 8787 */
  readonly port?: number;
  /** The job store's file, or ":memory:". @default "weft.db" */
  readonly db?: string;
  /** Required unless the server listens on loopback only. */
  readonly token?: string;
  /** Run jobs on a cluster instead of this machine's threads. */
  readonly redis?: string | RedisOptions;
  /** Workers of the shared pool. @default one per core */
  readonly workers?: number;
  /** Jobs that run at once. @default 2 */
  readonly maxRunning?: number;
  /** Jobs one client may have queued or running. @default 8 */
  readonly maxPerClient?: number;
  /** Largest request body, in bytes. @default 1 MiB */
  readonly bodyLimit?: number;
  /** Log requests (Fastify's logger). @default false */
  readonly log?: boolean;
}

export interface RunningServer {
  readonly url: string;
  readonly service: JobService;
  /** How many jobs the store found interrupted by the previous run. */
  readonly interrupted: number;
  close(): Promise<void>;
}

const webDir = fileURLToPath(new URL("../../web/", import.meta.url));
const chartBundle = join(dirname(createRequire(import.meta.url).resolve("chart.js")), "chart.umd.js");
const loopback = new Set(["127.0.0.1", "::1", "localhost"]);

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? "127.0.0.1";
  if (!loopback.has(host) && !options.token) {
    throw new Error(
      `listening on ${host} exposes the service beyond this machine: give a token (--token or WEFT_TOKEN) that every client must send`,
    );
  }
  const catalog = await TaskCatalog.load(options.tasks);
  const store = JobStore.open(options.db ?? "weft.db");
  const pool = await weft(
    options.redis
      ? { redis: options.redis, workers: options.workers }
      : { workers: options.workers ?? "auto" },
  );
  const service = new JobService(store, pool, catalog, {
    maxRunning: options.maxRunning ?? 2,
    maxPerClient: options.maxPerClient ?? 8,
  });
  const app = Fastify({
    logger: options.log ?? false,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    ajv: { customOptions: { discriminator: true, removeAdditional: false, coerceTypes: true } },
  });
  try {
    await buildRoutes(app, service, store, options.token);
    await app.listen({ host, port: options.port ?? 8787 });
  } catch (error) {
    await app.close();
    await service.close();
    await pool.close();
    store.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    service,
    interrupted: store.interruptedAtOpen,
    async close() {
      // Jobs first, so they stop before the streams that report them; then the HTTP side.
      await service.close();
      await app.close();
      await pool.close();
      store.close();
    },
  };
}

async function buildRoutes(
  app: FastifyInstance,
  service: JobService,
  store: JobStore,
  token: string | undefined,
) {
  await app.register(fastifySwagger, {
    // Shared schemas keep their names in the description instead of def-0, def-1...
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === "string" ? json.$id : `def-${i}`,
    },
    openapi: {
      openapi: "3.1.0",
      info: { title: "weft", version: packageVersion(), description: "Jobs on weft's workers, over HTTP." },
      components: token ? { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } } : {},
      ...(token && { security: [{ bearer: [] }] }),
    },
  });
  app.addSchema(jobDefinitionSchema);
  app.addSchema(jobViewSchema);
  app.addSchema(errorSchema);
  await app.register(fastifyStatic, { root: webDir, prefix: "/assets/", index: false });

  app.addHook("onRequest", async (request, reply) => {
    if (!token || isPublic(request)) return;
    const given = bearer(request) ?? (acceptsQueryToken(request) ? queryToken(request) : undefined);
    if (given === undefined || !sameSecret(given, token)) {
      await reply.code(401).send({
        error: {
          code: "unauthorized",
          message: "a valid token is required: Authorization: Bearer <token>",
        },
      });
    }
  });

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(failure("not_found", `no route ${request.method} ${request.url.split("?")[0]}`)),
  );

  app.setErrorHandler(
    (error: Error & { statusCode?: number; code?: string; validation?: unknown }, request, reply) => {
      if (error instanceof RequestError)
        return reply.code(error.status).send(failure(error.code, error.message));
      if (error instanceof JobStateError) return reply.code(409).send(failure("conflict", error.message));
      if (error instanceof JobNotFoundError) return reply.code(404).send(failure("not_found", error.message));
      if (error.validation) return reply.code(400).send(failure("bad_request", error.message));
      if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE")
        return reply.code(413).send(failure("payload_too_large", error.message));
      if (error.statusCode && error.statusCode < 500)
        return reply.code(error.statusCode).send(failure("bad_request", error.message));
      // Anything else is weft's fault: logged here with its stack, told to the client without it.
      request.log.error(error);
      console.error(error);
      return reply.code(500).send(failure("internal", "internal error; the server's log has the details"));
    },
  );

  const job = { 200: { type: "object", properties: { job: { $ref: "JobView#" } } } };
  const errors = Object.fromEntries(
    [400, 401, 404, 409, 413, 429].map((status) => [status, { $ref: "Error#" }]),
  );
  const client = (request: FastifyRequest) => request.ip;

  app.get("/api/catalog", { schema: { summary: "Tasks and built-in workloads jobs may name" } }, () =>
    service.catalog(),
  );
  app.post<{ Body: JobDefinition }>(
    "/api/jobs",
    {
      schema: {
        summary: "Submit a job",
        body: { $ref: "JobDefinition#" },
        response: { 202: job[200], ...errors },
      },
    },
    async (request, reply) => reply.code(202).send({ job: service.submit(request.body, client(request)) }),
  );
  app.get<{ Querystring: { limit: number; state?: JobState; before?: string } }>(
    "/api/jobs",
    { schema: { summary: "Jobs, newest first", querystring: listQuery } },
    (request) => {
      const { before } = request.query;
      // date-time admits a leap second (23:59:60) that Date cannot hold.
      if (before !== undefined && Number.isNaN(Date.parse(before))) {
        throw new RequestError(
          400,
          "bad_request",
          `before must be a time such as 2026-01-31T12:00:00Z, got "${before}"`,
        );
      }
      return { jobs: store.list(request.query) };
    },
  );
  app.get<{ Params: { id: string } }>(
    "/api/jobs/:id",
    {
      schema: {
        summary: "One job's state and progress",
        params: jobIdParams,
        response: { ...job, ...errors },
      },
    },
    (request) => ({ job: service.get(request.params.id) }),
  );
  app.get<{ Params: { id: string }; Querystring: { offset: number; limit: number } }>(
    "/api/jobs/:id/result",
    {
      schema: { summary: "A page of a completed job's result", params: jobIdParams, querystring: pageQuery },
    },
    (request) => {
      const found = service.get(request.params.id);
      if (found.state !== "completed") {
        throw new RequestError(
          409,
          "not_completed",
          `job ${found.id} is ${found.state}; results exist once it is completed`,
        );
      }
      const { offset, limit } = request.query;
      const page = store.results(found.id, offset, limit);
      return { total: page.total, offset, entries: page.entries };
    },
  );
  app.get<{ Params: { id: string } }>(
    "/api/jobs/:id/report",
    { schema: { summary: "The HTML report of a completed bench job", params: jobIdParams } },
    async (request, reply) => reply.type("text/html; charset=utf-8").send(service.report(request.params.id)),
  );
  app.post<{ Params: { id: string } }>(
    "/api/jobs/:id/cancel",
    {
      schema: {
        summary: "Cancel a queued or running job",
        params: jobIdParams,
        response: { ...job, ...errors },
      },
    },
    (request) => ({ job: service.cancel(request.params.id) }),
  );
  app.post<{ Params: { id: string } }>(
    "/api/jobs/:id/resubmit",
    {
      schema: {
        summary: "Run a job's definition again, as a new job",
        params: jobIdParams,
        response: { 202: job[200], ...errors },
      },
    },
    async (request, reply) =>
      reply.code(202).send({ job: service.resubmit(request.params.id, client(request)) }),
  );
  app.get("/api/workers", { schema: { summary: "The workers and what each is doing" } }, () =>
    service.workers(),
  );
  // An open event stream would keep close() waiting for ever: the server ends them as it closes.
  const streams = new Set<FastifyReply["raw"]>();
  app.addHook("preClose", (done) => {
    for (const out of streams) out.end();
    done();
  });
  app.get(
    "/api/events",
    { schema: { summary: "Server-Sent Events: job, chunk and workers" } },
    (request, reply) => streamEvents(service, request, reply, streams),
  );

  const metrics = createMetrics(service, store);
  app.get("/metrics", { schema: { hide: true } }, async (_request, reply) =>
    reply.type(metrics.contentType).send(await metrics.metrics()),
  );
  app.get("/openapi.json", { schema: { hide: true } }, () => app.swagger());
  app.get("/", { schema: { hide: true } }, (_request, reply) => reply.sendFile("index.html"));
  app.get("/assets/chart.umd.js", { schema: { hide: true } }, (_request, reply) =>
    reply.type("text/javascript").send(readFileSync(chartBundle)),
  );
}

/** Sends the service's events until the client goes away or the server closes (`streams` ends them). */
function streamEvents(
  service: JobService,
  request: FastifyRequest,
  reply: FastifyReply,
  streams: Set<FastifyReply["raw"]>,
): void {
  reply.hijack();
  const out = reply.raw;
  out.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-store",
    connection: "keep-alive",
  });
  const send = (event: string) => (data: unknown) =>
    void out.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  const listeners = { job: send("job"), chunk: send("chunk"), workers: send("workers") } as const;
  service.on("job", listeners.job);
  service.on("chunk", listeners.chunk);
  service.on("workers", listeners.workers);
  listeners.workers(service.workers());
  // A comment line now and then keeps proxies from closing an idle stream.
  const keepAlive = setInterval(() => out.write(": keep-alive\n\n"), 15_000);
  streams.add(out);
  request.raw.once("close", () => {
    streams.delete(out);
    clearInterval(keepAlive);
    service.off("job", listeners.job);
    service.off("chunk", listeners.chunk);
    service.off("workers", listeners.workers);
  });
}

/**
 * The dashboard's page and its scripts hold no data; everything else needs the token. Decided on the
 * route the router matched, never on the raw URL, which can spell the same path other ways (%61pi).
 */
function isPublic(request: FastifyRequest): boolean {
  const route = request.routeOptions.url;
  return route === "/" || route?.startsWith("/assets/") === true;
}

/**
 * Where a browser cannot set a header: the event stream (EventSource) and links opened in a new tab
 * (a result page, a bench report). Everywhere else the token only travels in the header.
 */
function acceptsQueryToken(request: FastifyRequest): boolean {
  return request.method === "GET" && queryTokenRoutes.has(request.routeOptions.url ?? "");
}

const queryTokenRoutes = new Set(["/api/events", "/api/jobs/:id/result", "/api/jobs/:id/report"]);

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return header?.startsWith("Bearer ") ? header.slice("Bearer ".length) : undefined;
}

function queryToken(request: FastifyRequest): string | undefined {
  const token = new URL(request.url, "http://x").searchParams.get("token");
  return token ?? undefined;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function failure(code: string, message: string) {
  return { error: { code, message } };
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}
