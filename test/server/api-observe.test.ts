// The service over real HTTP, observed: its workers, the event stream, Prometheus metrics, the
// OpenAPI description and the dashboard's page.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import type { ChunkEvent } from "../../src/client/index.ts";
import type { WorkersView } from "../../src/server/api/types.ts";
import { pollUntil, workerSettings } from "../cluster/helpers.ts";
import { startCluster } from "../support/cluster.ts";
import { checkLeaks } from "../support/leaks.ts";
import {
  crashTasks,
  EventStream,
  fixtureTasks,
  primes200k,
  runJobs,
  serve,
  settled,
  statesOf,
} from "./http.ts";

checkLeaks();

/** Prometheus text as a map from `name{labels}` to value. */
function parseMetrics(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split("\n")) {
    const match = /^([a-z_:][a-z0-9_:]*(?:\{[^}]*\})?) (\S+)$/i.exec(line);
    if (match) values.set(match[1]!, Number(match[2]));
  }
  return values;
}

describe("observing the service over HTTP", { timeout: 60_000 }, () => {
  test("GET /api/workers shows the pool's backend and each worker", async () => {
    await using server = await serve();
    const { status, body } = await server.request<WorkersView>("GET", "/api/workers");
    assert.equal(status, 200);
    assert.equal(body.backend, "threads");
    assert.deepEqual(
      body.workers.map((w) => w.worker),
      [0, 1],
    );
    assert.ok(body.workers.every((w) => typeof w.busy === "boolean"));
  });

  test("GET /api/events streams a job's job, chunk and workers events", async (t) => {
    await using server = await serve();
    const events = await server.events();
    assert.equal(events.status, 200);
    assert.match(events.headers["content-type"]!, /^text\/event-stream/);
    assert.equal(events.headers["cache-control"], "no-store");
    // The workers as they are, on connecting.
    const workers = await events.next<WorkersView>("workers", () => true, t.signal);
    assert.equal(workers.backend, "threads");
    assert.equal(workers.workers.length, 2);

    const job = await server.submit(primes200k);
    const done = await settled(events, job.id, t);
    assert.equal(done.state, "completed");
    assert.deepEqual(statesOf(events.events, job.id), ["queued", "running", "completed"]);
    const chunks = events.events
      .filter((e) => e.event === "chunk")
      .map((e) => e.data as ChunkEvent)
      .filter((chunk) => chunk.jobId === job.id);
    assert.ok(chunks.length > 0, "chunk events");
    assert.equal(
      chunks.reduce((sum, chunk) => sum + chunk.items, 0),
      199_998,
      "the chunks cover every item once",
    );
    for (const chunk of chunks) {
      assert.ok(chunk.worker === 0 || chunk.worker === 1, `worker ${chunk.worker}`);
      assert.ok(chunk.endedAt >= chunk.startedAt);
      assert.equal(chunk.task, "primes");
    }
  });

  test("two jobs at once on the shared pool: each job's chunk events cover its own items, once", async (t) => {
    await using server = await serve({ maxRunning: 2 });
    const events = await server.events();
    const count = (to: number) => ({
      type: "task",
      task: "tasks.isPrime",
      op: "filter",
      reduce: "count",
      input: { range: { from: 0, to } },
    });
    const jobs = await runJobs(server, events, t, [count(300_000), count(200_000), count(100_000)]);
    const itemsOf = (id: string) =>
      events.events
        .filter((e) => e.event === "chunk" && (e.data as { jobId: string }).jobId === id)
        .reduce((sum, e) => sum + (e.data as { items: number }).items, 0);
    assert.deepEqual(
      jobs.map((job) => [job.state, itemsOf(job.id)]),
      [
        ["completed", 300_000],
        ["completed", 200_000],
        ["completed", 100_000],
      ],
    );
  });

  test("GET /metrics: Prometheus text whose values move with the jobs", async (t) => {
    await using server = await serve({ tasks: [fixtureTasks, crashTasks] });
    const metrics = async () => {
      const reply = await server.request<string>("GET", "/metrics");
      assert.equal(reply.status, 200);
      assert.match(reply.headers.get("content-type")!, /^text\/plain; version=0\.0\.4/);
      return reply.body;
    };
    const text = await metrics();
    for (const name of [
      "weft_jobs",
      "weft_items_processed_total",
      "weft_chunk_duration_seconds",
      "weft_workers",
      "weft_queue_depth",
      "weft_retries_total",
      "weft_worker_restarts_total",
    ]) {
      assert.match(text, new RegExp(`^# HELP ${name} \\S`, "m"), `${name} has help`);
      assert.match(text, new RegExp(`^# TYPE ${name} (gauge|counter|histogram)$`, "m"));
    }
    const before = parseMetrics(text);
    assert.equal(before.get('weft_jobs{state="completed"}'), 0);
    assert.equal(before.get("weft_items_processed_total"), 0);

    const events = await server.events();
    const [primes, retried, crashed] = await runJobs(server, events, t, [
      primes200k,
      // Fails on 13, once more after a retry.
      { type: "task", task: "tasks.failOn", input: { items: [13] }, options: { retries: 1 } },
      // Ends its worker, which is replaced.
      { type: "task", task: "crash-tasks.exitsOn", input: { items: [7] } },
    ]);
    assert.equal(primes!.state, "completed");
    assert.equal(retried!.state, "failed");
    assert.equal(crashed!.state, "failed");

    const moved = parseMetrics(await metrics());
    assert.equal(moved.get('weft_jobs{state="completed"}'), 1);
    assert.equal(moved.get('weft_jobs{state="failed"}'), 2);
    assert.equal(moved.get('weft_jobs{state="queued"}'), 0);
    assert.equal(moved.get("weft_queue_depth"), 0);
    assert.ok(moved.get("weft_items_processed_total")! >= 199_998, "the primes job's items");
    const chunkCount = moved.get("weft_chunk_duration_seconds_count")!;
    assert.ok(chunkCount > 0);
    assert.equal(moved.get('weft_chunk_duration_seconds_bucket{le="+Inf"}'), chunkCount);
    assert.ok(moved.get("weft_retries_total")! >= 1, "the failOn job was retried");
    assert.ok(moved.get("weft_worker_restarts_total")! >= 1, "the crashed worker was replaced");
    assert.equal(moved.get('weft_workers{busy="true"}')! + moved.get('weft_workers{busy="false"}')!, 2);
  });

  test("GET /openapi.json is an OpenAPI 3 document listing every /api route", async () => {
    await using server = await serve();
    const { status, body: doc } = await server.request<OpenApiDocument>("GET", "/openapi.json");
    assert.equal(status, 200);
    assert.match(doc.openapi, /^3\.\d+\.\d+$/);
    assert.equal(doc.info.title, "weft");
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    assert.equal(doc.info.version, pkg.version);
    const routes = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    assert.deepEqual(routes.sort(), [
      "GET /api/catalog",
      "GET /api/events",
      "GET /api/jobs",
      "GET /api/jobs/{id}",
      "GET /api/jobs/{id}/report",
      "GET /api/jobs/{id}/result",
      "GET /api/workers",
      "POST /api/jobs",
      "POST /api/jobs/{id}/cancel",
      "POST /api/jobs/{id}/resubmit",
    ]);
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const where = `${method} ${path}`;
        assert.equal(typeof operation.summary, "string", `${where}: a summary`);
        assert.ok(Object.keys(operation.responses ?? {}).length > 0, `${where}: responses`);
        const pathParameters = (operation.parameters ?? []).filter((p) => p.in === "path");
        assert.deepEqual(
          pathParameters.map((p) => [p.name, p.required]),
          path.includes("{id}") ? [["id", true]] : [],
          `${where}: its path parameters`,
        );
      }
    }
    const submit = doc.paths["/api/jobs"]!.post!;
    assert.ok(submit.requestBody?.content?.["application/json"]?.schema, "POST /api/jobs: its body's schema");
    assert.ok(submit.responses?.["202"], "POST /api/jobs: 202");
    // Every reference points at a schema the document holds.
    for (const ref of refsIn(doc)) {
      const name = /^#\/components\/schemas\/(.+)$/.exec(ref)?.[1];
      assert.ok(name && doc.components?.schemas?.[name], `${ref} resolves`);
    }
  });

  test("GET / serves the dashboard, and the assets its page names", async () => {
    await using server = await serve();
    const page = await server.request<string>("GET", "/");
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type")!, /^text\/html/);
    assert.match(page.body, /<title>weft dashboard<\/title>/);
    const assets = [...page.body.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    assert.ok(assets.includes("/assets/chart.umd.js"), "the chart bundle");
    for (const asset of assets) {
      const reply = await server.request<string>("GET", asset);
      assert.equal(reply.status, 200, `${asset}: ${reply.status}`);
      assert.ok(reply.text.length > 0, asset);
    }
  });

  test("close() ends open event streams instead of waiting for their clients to leave", async () => {
    const server = await serve();
    const stream = await EventStream.open(`${server.url}/api/events`).catch(async (error: unknown) => {
      await server.close(); // the test closes it only once the stream is open
      throw error;
    });
    const closing = server.running.close();
    let timer: NodeJS.Timeout | undefined;
    const closedInTime = await Promise.race([
      closing.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 2000))),
    ]);
    clearTimeout(timer);
    stream.close(); // lets a close() that waits for the client finish
    await closing;
    assert.ok(closedInTime, "close() was still waiting for the event stream's client after 2 s");
  });

  test("the OpenAPI document's schemas use only keywords its OpenAPI version allows", async () => {
    await using server = await serve();
    const { body: doc } = await server.request<OpenApiDocument>("GET", "/openapi.json");
    // Something to check: the named schemas and the operations' own.
    assert.deepEqual(Object.keys(doc.components?.schemas ?? {}).sort(), [
      "Catalog",
      "Error",
      "JobDefinition",
      "JobList",
      "JobView",
      "ResultPage",
      "WorkersView",
    ]);
    assert.deepEqual(schemaViolations(doc), []);
    // And the check can fail: a 3.0-only keyword in a 3.1 document is caught.
    const withNullable = structuredClone(doc);
    const [firstName] = Object.keys(withNullable.components!.schemas!);
    (withNullable.components!.schemas![firstName!] as Record<string, unknown>).nullable = true;
    assert.deepEqual(schemaViolations(withNullable), [`#/components/schemas/${firstName}: nullable`]);
  });
  test("on a cluster, GET /metrics reports its queue, its chunks in flight and its workers", async (t) => {
    await using cluster = await startCluster(0, workerSettings);
    await using server = await serve({ redis: cluster.redis.url, workers: undefined });
    const metrics = async () => parseMetrics((await server.request<string>("GET", "/metrics")).body);
    const until = (what: string, holds: (values: Map<string, number>) => boolean) =>
      pollUntil(
        async () => ((values) => (holds(values) ? values : undefined))(await metrics()),
        20_000,
        what,
      );
    const queued = 'weft_cluster_chunks{state="queued"}';
    const empty = await metrics();
    for (const name of [
      "weft_cluster_workers",
      "weft_cluster_threads",
      queued,
      'weft_cluster_chunks{state="in_flight"}',
    ])
      assert.equal(empty.get(name), 0, name);

    // No worker yet: the job's chunks wait in the queue, the depth an autoscaler adds machines for.
    const events = await server.events();
    const job = await server.submit({ type: "task", task: "tasks.square", input: { items: [1, 2, 3, 4] } });
    await until("the job's chunks queued", (values) => values.get(queued)! > 0);
    await cluster.addWorker();
    const done = await settled(events, job.id, t);
    assert.equal(done.state, "completed");
    const after = await until("the queue drained", (values) => values.get(queued) === 0);
    assert.equal(after.get("weft_cluster_workers"), 1);
    assert.equal(after.get("weft_cluster_threads"), workerSettings.threads);
  });
});

interface OpenApiOperation {
  summary?: string;
  parameters?: { name: string; in: string; required?: boolean }[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, unknown>;
}

interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, unknown> };
}

function refsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    key === "$ref" && typeof inner === "string" ? [inner] : refsIn(inner),
  );
}

/** The keywords of an OpenAPI 3.0 Schema Object (besides `x-` extensions). */
const schemaKeywords30 = new Set([
  "$ref",
  "title",
  "multipleOf",
  "maximum",
  "exclusiveMaximum",
  "minimum",
  "exclusiveMinimum",
  "maxLength",
  "minLength",
  "pattern",
  "maxItems",
  "minItems",
  "uniqueItems",
  "maxProperties",
  "minProperties",
  "required",
  "enum",
  "type",
  "allOf",
  "oneOf",
  "anyOf",
  "not",
  "items",
  "properties",
  "additionalProperties",
  "description",
  "format",
  "default",
  "nullable",
  "discriminator",
  "readOnly",
  "writeOnly",
  "xml",
  "externalDocs",
  "example",
  "deprecated",
]);

/**
 * The keywords of an OpenAPI 3.1 Schema Object: JSON Schema 2020-12's vocabularies (core, applicator,
 * unevaluated, validation, meta-data, format annotation, content) and OpenAPI's own base vocabulary.
 * `nullable` is gone (a type list holds "null" instead) and `exclusiveMinimum` is a number.
 */
const schemaKeywords31 = new Set([
  ...[
    "$schema",
    "$id",
    "$ref",
    "$anchor",
    "$dynamicRef",
    "$dynamicAnchor",
    "$vocabulary",
    "$comment",
    "$defs",
  ],
  ...["allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas", "prefixItems", "items"],
  ...["contains", "properties", "patternProperties", "additionalProperties", "propertyNames"],
  ...["unevaluatedItems", "unevaluatedProperties"],
  ...["type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum"],
  ...[
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maxContains",
    "minContains",
  ],
  ...["maxProperties", "minProperties", "required", "dependentRequired"],
  ...["title", "description", "default", "deprecated", "readOnly", "writeOnly", "examples"],
  ...["format", "contentEncoding", "contentMediaType", "contentSchema"],
  ...["discriminator", "xml", "externalDocs", "example"],
]);

/** Where a document's schemas use a keyword, or a keyword's form, that its OpenAPI version does not allow. */
function schemaViolations(doc: OpenApiDocument): string[] {
  const version = /^3\.(0|1)\./.exec(doc.openapi)?.[1];
  if (version === undefined) return [`openapi ${doc.openapi}: this test knows the schemas of 3.0 and 3.1`];
  const keywords = version === "0" ? schemaKeywords30 : schemaKeywords31;
  const found: string[] = [];
  const checkSchema = (schema: unknown, at: string): void => {
    if (typeof schema !== "object" || schema === null) return;
    for (const [key, value] of Object.entries(schema)) {
      if (!keywords.has(key) && !key.startsWith("x-")) found.push(`${at}: ${key}`);
      const exclusive = key === "exclusiveMinimum" || key === "exclusiveMaximum";
      if (exclusive && typeof value !== (version === "0" ? "boolean" : "number")) {
        found.push(
          `${at}: ${key} is ${JSON.stringify(value)}, a ${version === "0" ? "boolean" : "number"} in 3.${version}`,
        );
      }
      if (key === "type" && typeof value !== "string" && (version === "0" || !Array.isArray(value))) {
        found.push(`${at}: type ${JSON.stringify(value)}`);
      }
    }
    const s = schema as Record<string, unknown>;
    for (const key of ["allOf", "oneOf", "anyOf"]) {
      (s[key] as unknown[] | undefined)?.forEach((sub, i) => checkSchema(sub, `${at}/${key}/${i}`));
    }
    for (const key of [
      "not",
      "items",
      "additionalProperties",
      "contains",
      "propertyNames",
      "if",
      "then",
      "else",
    ]) {
      checkSchema(s[key], `${at}/${key}`);
    }
    (s.prefixItems as unknown[] | undefined)?.forEach((sub, i) => checkSchema(sub, `${at}/prefixItems/${i}`));
    for (const [name, sub] of Object.entries((s.properties as Record<string, unknown> | undefined) ?? {})) {
      checkSchema(sub, `${at}/properties/${name}`);
    }
  };
  for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) {
    checkSchema(schema, `#/components/schemas/${name}`);
  }
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const at = `${method} ${path}`;
      for (const p of operation.parameters ?? [])
        checkSchema((p as { schema?: unknown }).schema, `${at} ${p.name}`);
      for (const [type, media] of Object.entries(operation.requestBody?.content ?? {})) {
        checkSchema(media.schema, `${at} body ${type}`);
      }
      for (const [code, response] of Object.entries(operation.responses ?? {})) {
        const content = (response as { content?: Record<string, { schema?: unknown }> }).content ?? {};
        for (const media of Object.values(content)) checkSchema(media.schema, `${at} ${code}`);
      }
    }
  }
  return found;
}
