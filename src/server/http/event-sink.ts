// One client of the event stream (Server-Sent Events), written with flow control: a client that
// reads slower than events come must not make the server hold an unbounded queue for it.
import type { ServerResponse } from "node:http";

/** Whether an event may be left out when the client is behind. */
export type Delivery = "droppable" | "required";

/**
 * Writes events to one client. While its connection is congested (`write()` returned false and no
 * `drain` came yet), droppable events (chunks, the workers' state, keep-alives) are left out: the
 * next `workers` event carries the whole state again, and chunk bars are a picture of the recent
 * past. `job` events carry state a client cannot rebuild from later ones, so they are never left
 * out; instead, a client whose unsent bytes would pass `capBytes` is disconnected. A browser's
 * EventSource reconnects by itself, and the dashboard reloads the jobs on every connection, so the
 * client is back in step at once, where dropping a job event would leave it wrong without knowing.
 */
export class EventSink {
  readonly #out: ServerResponse;
  readonly #capBytes: number;
  readonly #onDisconnect: (bufferedBytes: number) => void;
  #congested = false;
  #closed = false;

  constructor(out: ServerResponse, capBytes: number, onDisconnect: (bufferedBytes: number) => void) {
    this.#out = out;
    this.#capBytes = capBytes;
    this.#onDisconnect = onDisconnect;
    out.on("drain", () => (this.#congested = false));
    out.once("close", () => (this.#closed = true));
  }

  /** Sends one event, unless it is droppable and the client is behind. */
  send(event: string, data: unknown, delivery: Delivery): void {
    this.#write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`, delivery);
  }

  /** A comment line, which keeps proxies from closing a quiet stream. */
  keepAlive(): void {
    this.#write(": keep-alive\n\n", "droppable");
  }

  #write(text: string, delivery: Delivery): void {
    if (this.#closed || (this.#congested && delivery === "droppable")) return;
    const buffered = this.#out.writableLength;
    if (buffered + Buffer.byteLength(text) > this.#capBytes) {
      this.#closed = true;
      this.#out.destroy();
      this.#onDisconnect(buffered);
      return;
    }
    if (!this.#out.write(text)) this.#congested = true;
  }
}
