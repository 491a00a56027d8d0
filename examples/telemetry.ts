// A pool that reports to OpenTelemetry: a span for the job and one for each chunk under it, and the
// pool's metrics. Here the spans go to an in-memory exporter and are summed up at the end; a program
// sends them to a collector instead (docs/observability.md says how).
// Run it: `node --import tsx examples/telemetry.ts`.
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { weft } from "../src/index.ts";
import { isPrime } from "./tasks.ts";

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const spans = new InMemorySpanExporter();
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));
const meterProvider = new MeterProvider();

// #region telemetry
const pool = await weft({
  telemetry: { tracer: trace.getTracer("my-app"), meter: meterProvider.getMeter("my-app") },
});
try {
  // A job started inside one of the program's spans is its child; its chunks are the job's.
  await trace.getTracer("my-app").startActiveSpan("nightly report", async (span) => {
    const primes = await pool.range(2, 1_000_000).filter(isPrime).count();
    console.log(`${primes} primes below 1,000,000`);
    span.end();
  });
} finally {
  await pool.close();
}
// #endregion

const finished = spans.getFinishedSpans();
const count = (name: string) => finished.filter((s) => s.name === name).length;
const job = finished.find((s) => s.name === "weft.job")!;
const report = finished.find((s) => s.name === "nightly report")!;
console.log(
  `spans: 1 for the program's report, ${count("weft.job")} for the job, ${count("weft.chunk")} for its chunks`,
);
console.log(
  `the job is the report's child: ${job.parentSpanContext?.spanId === report.spanContext().spanId}`,
);
await meterProvider.shutdown();
