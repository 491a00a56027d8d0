// OpenTelemetry on every backend, the cluster included, with the SDK's in-memory exporters: a span
// per job and per chunk attempt under it, task code running in its chunk's span on its worker, a
// retry's own span, and the pool's events as metrics that add up to the job.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from "@opentelemetry/sdk-trace-base";
import { OptionError, weft, type WeftOptions } from "../../src/index.ts";
import { throwsOnFirstAttempt } from "../fixtures/crash-tasks.ts";
import { add, square } from "../fixtures/tasks.ts";
import { spanOfItem } from "../fixtures/trace-tasks.ts";
import { fixtureModules, startCluster, type TestCluster } from "../support/cluster.ts";
import { checkLeaks } from "../support/leaks.ts";
import { localBackends } from "../support/backends.ts";

checkLeaks();
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

const traceTasks = fileURLToPath(new URL("../fixtures/trace-tasks.ts", import.meta.url));
const clusterOptions: { redis?: string } = {};
let cluster: TestCluster | undefined;
before(async () => {
  cluster = await startCluster(1, { modules: [...fixtureModules, traceTasks] });
  clusterOptions.redis = cluster.redis.url;
});
after(() => cluster?.stop());
const backends: readonly { name: string; options: WeftOptions }[] = [
  ...localBackends,
  { name: "redis", options: clusterOptions },
];

/** A tracer and a meter that keep what they record in memory. */
function telemetry() {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: metrics, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    tracer: tracerProvider.getTracer("weft-test"),
    meter: meterProvider.getMeter("weft-test"),
    spans,
    /** Each metric's points, by name: the sum of a counter's, or a gauge's last value. */
    async metric(name: string): Promise<number> {
      await reader.forceFlush();
      const last = metrics.getMetrics().at(-1);
      const found = last?.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
      assert.ok(found, `metric ${name}`);
      return found.dataPoints.reduce((sum, point) => sum + (point.value as number), 0);
    },
    async [Symbol.asyncDispose]() {
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
    },
  };
}

const named = (spans: readonly ReadableSpan[], name: string) => spans.filter((s) => s.name === name);
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe("telemetry", () => {
  for (const { name, options } of backends) {
    test(`on ${name}: a span per job and per chunk, task code in its chunk's span, metrics that add up`, async () => {
      await using otel = telemetry();
      await using pool = await weft({ ...options, telemetry: { tracer: otel.tracer, meter: otel.meter } });

      // Inside a span of the caller's: the job is its child.
      const caller = otel.tracer.startSpan("caller");
      const n = 200;
      const seen = await context.with(trace.setSpan(context.active(), caller), () =>
        pool.range(0, n).map(spanOfItem).collect(),
      );
      caller.end();
      const spans = otel.spans.getFinishedSpans();
      const [job] = named(spans, "weft.job");
      assert.ok(job, "the job's span");
      assert.equal(parentOf(job), caller.spanContext().spanId);
      assert.equal(job.attributes["weft.job.items"], n);
      const chunks = named(spans, "weft.chunk");
      assert.ok(chunks.length > 0);
      for (const chunk of chunks) {
        assert.equal(parentOf(chunk), job.spanContext().spanId, "every chunk under its job");
        assert.equal(chunk.spanContext().traceId, caller.spanContext().traceId);
      }
      assert.equal(
        chunks.reduce((sum, c) => sum + (c.attributes["weft.chunk.items"] as number), 0),
        n,
        "the chunks cover the job once",
      );
      // Each item's task ran in the span of the chunk that holds it, on whatever worker ran it.
      const bySpan = new Map(chunks.map((c) => [c.spanContext().spanId, c]));
      for (const { n: item, traceId, spanId } of seen) {
        const chunk = bySpan.get(spanId!);
        assert.ok(chunk, `item ${item} ran in a chunk's span`);
        assert.equal(traceId, caller.spanContext().traceId);
        const start = chunk.attributes["weft.chunk.start"] as number;
        assert.ok(item >= start && item < start + (chunk.attributes["weft.chunk.items"] as number));
      }
      assert.equal(await otel.metric("weft.items"), n);
      assert.equal(await otel.metric("weft.chunks"), chunks.length);
    });

    test(`on ${name}: a retried chunk has a span of its own, after the failed attempt's`, async (t) => {
      await using otel = telemetry();
      const dir = mkdtempSync(join(tmpdir(), "weft-telemetry-"));
      t.after(() => rmSync(dir, { recursive: true, force: true }));
      await using pool = await weft({ ...options, telemetry: { tracer: otel.tracer, meter: otel.meter } });
      const flaky = join(dir, "marker");
      assert.equal(await pool.from([flaky]).map(throwsOnFirstAttempt).options({ retries: 1 }).count(), 1);
      const spans = otel.spans.getFinishedSpans();
      const [failed] = named(spans, "weft.chunk");
      const [retry] = named(spans, "weft.chunk.retry");
      assert.ok(failed && retry);
      assert.equal(failed.status.code, 2, "the failed attempt's status is an error");
      assert.match(String(failed.status.message), /first attempt at/);
      assert.equal(retry.attributes["weft.chunk.attempt"], 2);
      assert.equal(parentOf(retry), named(spans, "weft.job")[0]!.spanContext().spanId);
      assert.equal(await otel.metric("weft.retries"), 1);
    });
  }

  test("a pool without telemetry sends no trace; a bad telemetry option is refused", async () => {
    await using pool = await weft({ backend: "sequential" });
    const [seen] = await pool.from([1]).map(spanOfItem).collect();
    assert.equal(seen!.spanId, undefined);
    assert.equal(await pool.range(0, 10).map(square).reduce(add), 285);
    await assert.rejects(weft({ telemetry: {} }), OptionError);
    await assert.rejects(
      weft({ telemetry: { tracer: {} as never } }),
      /telemetry must be \{ tracer, meter \}/,
    );
  });
});
