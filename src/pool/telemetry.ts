// OpenTelemetry for library users: a span for each job and for each attempt of each chunk under it,
// with the chunk's trace context sent in the chunk itself so that spans made by task code on its
// worker (a thread, a process, a cluster machine) nest under it; and the pool's events as metrics.
// Nothing here runs, and no chunk carries a trace, unless the pool was given a tracer or a meter.
import type { Context, Meter, Span, Tracer } from "@opentelemetry/api";
import { OptionError } from "../errors.ts";
import type { PoolEventEmitter } from "../events/events.ts";
import type { Job } from "../jobs/job.ts";
import { inputLength, type Chunk } from "../protocol/plan.ts";
import type { DispatchTracing } from "./dispatcher.ts";

/** The pool's `telemetry` option: an OpenTelemetry tracer, a meter, or both (from `@opentelemetry/api`). */
export interface TelemetryOptions {
  /** Spans `weft.job`, and under each `weft.chunk` (a first attempt) and `weft.chunk.retry`. */
  readonly tracer?: Tracer;
  /**
   * Counters `weft.items`, `weft.chunks`, `weft.retries`, `weft.worker.restarts`, the histogram
   * `weft.chunk.duration` (ms) and the gauges `weft.queue.depth` (items not yet sent) and `weft.workers`.
   */
  readonly meter?: Meter;
}

type Api = typeof import("@opentelemetry/api");

/** What the pool tells the metrics about itself, read when they are collected. */
export interface PoolGauges {
  readonly backend: string;
  queuedItems(): number;
  workers(): number;
}

/** A pool's telemetry, ready to attach to it: OpenTelemetry's API is loaded. */
export interface Telemetry {
  /** Starts reporting the pool's work; returns what the dispatcher tells of its chunks, if there is a tracer. */
  attach(events: PoolEventEmitter, gauges: PoolGauges): DispatchTracing | undefined;
}

/** Loads what `options` needs: OpenTelemetry's API, which the caller's tracer and meter come from. */
export async function loadTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  let api: Api;
  try {
    api = await import("@opentelemetry/api");
  } catch (error) {
    throw new OptionError("telemetry needs @opentelemetry/api: npm install @opentelemetry/api", {
      cause: error,
    });
  }
  return {
    attach(events, gauges) {
      if (options.meter) reportMetrics(options.meter, events, gauges);
      return options.tracer ? new ChunkSpans(api, options.tracer, gauges.backend) : undefined;
    },
  };
}

class ChunkSpans implements DispatchTracing {
  readonly #jobs = new Map<number, { readonly span: Span; readonly context: Context }>();
  readonly #chunks = new Map<Chunk, Span>();

  constructor(
    readonly api: Api,
    readonly tracer: Tracer,
    readonly backend: string,
  ) {}

  jobStarted(job: Job): void {
    // The caller's context: a job started inside one of the caller's spans is its child.
    const parent = this.api.context.active();
    const span = this.tracer.startSpan(
      "weft.job",
      {
        attributes: {
          "weft.job.id": job.spec.id,
          "weft.job.terminal": job.spec.terminal.op,
          "weft.backend": this.backend,
          ...(job.total !== undefined && { "weft.job.items": job.total }),
        },
      },
      parent,
    );
    this.#jobs.set(job.spec.id, { span, context: this.api.trace.setSpan(parent, span) });
  }

  chunkSent(job: Job, chunk: Chunk, worker: number): Chunk {
    const { errors, crashes } = job.history(chunk);
    const attempt = errors.length + crashes.length + 1;
    const span = this.tracer.startSpan(
      attempt > 1 ? "weft.chunk.retry" : "weft.chunk",
      {
        attributes: {
          "weft.job.id": job.spec.id,
          "weft.chunk.seq": chunk.seq,
          "weft.chunk.start": chunk.start,
          "weft.chunk.items": inputLength(chunk.input),
          "weft.chunk.attempt": attempt,
          "weft.worker": worker,
        },
      },
      this.#jobs.get(job.spec.id)?.context,
    );
    const { traceId, spanId, traceFlags } = span.spanContext();
    const traced = { ...chunk, trace: `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, "0")}` };
    this.#chunks.set(traced, span);
    return traced;
  }

  chunkEnded(chunk: Chunk, error: Error | undefined): void {
    const span = this.#chunks.get(chunk);
    if (!span) return;
    this.#chunks.delete(chunk);
    this.#end(span, error);
  }

  jobEnded(job: Job): void {
    const kept = this.#jobs.get(job.spec.id);
    if (!kept) return;
    this.#jobs.delete(job.spec.id);
    this.#end(kept.span, job.error);
  }

  #end(span: Span, error: Error | undefined): void {
    if (error) {
      span.recordException(error);
      span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: error.message });
    }
    span.end();
  }
}

function reportMetrics(meter: Meter, events: PoolEventEmitter, gauges: PoolGauges): void {
  const attributes = { "weft.backend": gauges.backend };
  const items = meter.createCounter("weft.items", { description: "input items processed" });
  const chunks = meter.createCounter("weft.chunks", { description: "chunks that came back with a result" });
  const retries = meter.createCounter("weft.retries", { description: "chunks sent again after a failure" });
  const restarts = meter.createCounter("weft.worker.restarts", {
    description: "workers ended and replaced (a crash, a deadline, a cancellation)",
  });
  const duration = meter.createHistogram("weft.chunk.duration", {
    description: "how long a chunk ran on its worker",
    unit: "ms",
  });
  meter
    .createObservableGauge("weft.queue.depth", { description: "input items not yet sent to a worker" })
    .addCallback((result) => result.observe(gauges.queuedItems(), attributes));
  meter
    .createObservableGauge("weft.workers", { description: "workers that take chunks" })
    .addCallback((result) => result.observe(gauges.workers(), attributes));
  events.on("chunk", (chunk) => {
    items.add(chunk.items, attributes);
    chunks.add(1, attributes);
    duration.record(chunk.endedAt - chunk.startedAt, attributes);
  });
  events.on("retry", () => retries.add(1, attributes));
  events.on("restart", () => restarts.add(1, attributes));
}
