// On a worker: a chunk sent by a pool that traces its work carries its span's W3C traceparent, and
// its tasks run in that context, so a span that task code starts is the chunk span's child. Only a
// worker whose process has @opentelemetry/api (and, for the nesting to hold across awaits, a context
// manager, as the OpenTelemetry SDK registers) does anything with it.

type Api = typeof import("@opentelemetry/api");
let api: Promise<Api | undefined> | undefined;

/** Runs `run` in the context of the span `traceparent` names, if there is one and OpenTelemetry is here. */
export async function inTraceContext<T>(traceparent: string | undefined, run: () => Promise<T>): Promise<T> {
  if (traceparent === undefined) return run();
  api ??= import("@opentelemetry/api").catch(() => undefined);
  const otel = await api;
  const [, traceId, spanId, flags] = traceparent.split("-");
  if (!otel || !traceId || !spanId || !flags) return run();
  const parent = otel.trace.setSpanContext(otel.context.active(), {
    traceId,
    spanId,
    traceFlags: Number.parseInt(flags, 16),
    isRemote: true,
  });
  return otel.context.with(parent, run);
}
