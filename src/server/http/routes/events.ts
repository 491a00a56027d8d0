// The event stream, `GET /api/events` (Server-Sent Events): the service's job, chunk and workers
// events, to each client through a flow-controlled sink, until it leaves or the server closes.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { JobService } from "../../jobs/job-service.ts";
import { EventSink } from "../event-sink.ts";
import { errorReplies, textReply } from "./replies.ts";

export function eventRoutes(app: FastifyInstance, service: JobService, bufferBytes: number): void {
  // An open event stream would keep close() waiting for ever: the server ends them as it closes.
  const streams = new Set<FastifyReply["raw"]>();
  app.addHook("preClose", (done) => {
    for (const out of streams) out.end();
    done();
  });
  app.get(
    "/api/events",
    {
      schema: {
        operationId: "streamEvents",
        summary: "Server-Sent Events: job, chunk and workers",
        response: { 200: textReply("The events, as they come", "text/event-stream"), ...errorReplies },
      },
    },
    (request, reply) => stream(service, request, reply, streams, bufferBytes),
  );
}

function stream(
  service: JobService,
  request: FastifyRequest,
  reply: FastifyReply,
  streams: Set<FastifyReply["raw"]>,
  bufferBytes: number,
): void {
  reply.hijack();
  const out = reply.raw;
  out.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-store",
    connection: "keep-alive",
  });
  const sink = new EventSink(out, bufferBytes, (buffered) =>
    request.log.warn(`an event stream client read too slowly (${buffered} bytes unsent): disconnected`),
  );
  const listeners = {
    job: (data: unknown) => sink.send("job", data, "required"),
    chunk: (data: unknown) => sink.send("chunk", data, "droppable"),
    workers: (data: unknown) => sink.send("workers", data, "droppable"),
  } as const;
  service.on("job", listeners.job);
  service.on("chunk", listeners.chunk);
  service.on("workers", listeners.workers);
  listeners.workers(service.workers());
  // A comment line now and then keeps proxies from closing an idle stream.
  const keepAlive = setInterval(() => sink.keepAlive(), 15_000);
  streams.add(out);
  request.raw.once("close", () => {
    streams.delete(out);
    clearInterval(keepAlive);
    service.off("job", listeners.job);
    service.off("chunk", listeners.chunk);
    service.off("workers", listeners.workers);
  });
}
