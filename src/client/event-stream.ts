// The service's event stream (`GET /api/events`, Server-Sent Events) read from a fetch response: its
// events one by one, as an async iterable, until the caller closes it or the service ends it.
import { AbortError } from "../errors.ts";
import type { ServiceEvent } from "./types.ts";

/**
 * An open event stream. Iterate it once (`for await`); leaving the loop, `close()` or the signal it
 * was opened with ends the connection. It ends by itself when the service closes the stream.
 */
export class EventStream implements AsyncIterable<ServiceEvent>, Disposable {
  readonly #body: ReadableStream<Uint8Array>;
  /** Aborts the request: the one way to end a fetch's connection before the service does. */
  readonly #connection: AbortController;
  readonly #signal: AbortSignal | undefined;

  /** @internal the client opens these. */
  constructor(body: ReadableStream<Uint8Array>, connection: AbortController, signal?: AbortSignal) {
    this.#body = body;
    this.#connection = connection;
    this.#signal = signal;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ServiceEvent> {
    const reader = this.#body.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = "";
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buffered += value.replaceAll("\r\n", "\n");
        let end: number;
        while ((end = buffered.indexOf("\n\n")) >= 0) {
          const event = parseEvent(buffered.slice(0, end));
          buffered = buffered.slice(end + 2);
          if (event) yield event;
        }
      }
    } catch (error) {
      if (this.#signal?.aborted) throw new AbortError(this.#signal.reason);
      if (this.#connection.signal.aborted) return; // closed here: the end, not a failure
      throw error;
    } finally {
      this.close();
    }
  }

  close(): void {
    this.#connection.abort();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

const eventNames = new Set<string>(["job", "chunk", "workers"] satisfies ServiceEvent["event"][]);

/**
 * One event's lines, `event: name` and `data: json`; undefined for a comment (`: keep-alive`) alone,
 * and for an event this client has no type for (one a newer service may send).
 */
function parseEvent(block: string): ServiceEvent | undefined {
  let event = "message";
  const data: string[] = [];
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  if (data.length === 0 || !eventNames.has(event)) return undefined;
  return { event, data: JSON.parse(data.join("\n")) as unknown } as ServiceEvent;
}
