// Web workers backend, for weft in a web page: one module worker per slot, chunks and outcomes as
// messages, the same runtime inside as a worker thread's.
import { OptionError } from "../../errors.ts";
import type { FromWorker, ToWorker } from "../../protocol/worker-messages.ts";
import type { WorkerChannel } from "../pooled/channel.ts";
import { PooledBackend } from "../pooled/pooled-backend.ts";
import type { WebWorkerMessage } from "./web-worker-messages.ts";

/** The part of the DOM's Worker this backend uses (the project is typed without the DOM library). */
interface WebWorker {
  postMessage(message: ToWorker): void;
  addEventListener(type: "message", listener: (event: { data: FromWorker | WebWorkerMessage }) => void): void;
  addEventListener(type: "error" | "messageerror", listener: (event: { message?: string }) => void): void;
  terminate(): void;
}

type WebWorkerConstructor = new (url: URL, options: { type: "module"; name: string }) => WebWorker;

// Named Worker, and constructed as `new Worker(new URL(..., import.meta.url))` below, because that is
// the form a bundler (Vite, webpack, Parcel) recognises to build the worker's script with the page.
const Worker = (globalThis as { Worker?: WebWorkerConstructor }).Worker;

/**
 * A web worker as a pooled backend sees it. A web worker has no exit event: it is over when this
 * side terminates it, when it says it closed itself, or when it throws outside any task (a page's
 * worker would go on after that; it is ended here, as a thread that throws is, and replaced).
 */
function webWorkerChannel(index: number): WorkerChannel {
  if (!Worker) {
    throw new OptionError(
      `the web-workers backend runs in a web page (or a runtime with Web Workers); in Node.js use "threads"`,
    );
  }
  const worker = new Worker(new URL("./web-worker.js", import.meta.url), {
    type: "module",
    name: `weft-worker-${index}`,
  });
  const exits: Array<(how: string) => void> = [];
  let exited = false;
  const exit = (how: string) => {
    if (exited) return;
    exited = true;
    worker.terminate();
    for (const listener of exits) listener(how);
  };
  const fault = (listener: (error: Error) => void) => (event: { message?: string }) => {
    listener(
      new Error(event.message || "a message could not be read, or the worker's script failed to load"),
    );
    queueMicrotask(() => exit("was ended after an error outside any task"));
  };
  return {
    send: (message) => worker.postMessage(message),
    onMessage: (listener) =>
      worker.addEventListener("message", ({ data }) => {
        if (data.type === "exited") exit("closed");
        else if (data.type !== "ready") listener(data);
      }),
    onOnline: (listener) =>
      worker.addEventListener("message", ({ data }) => {
        if (data.type === "ready") listener();
      }),
    onError: (listener) => {
      worker.addEventListener("error", fault(listener));
      worker.addEventListener("messageerror", fault(listener));
    },
    onExit: (listener) => void exits.push(listener),
    terminate: () => {
      exit("was terminated");
      return Promise.resolve();
    },
  };
}

/** Starts `count` web workers. */
export function startWebWorkersBackend(
  workers: number,
  maxTasksPerWorker: number | undefined,
): Promise<PooledBackend> {
  const settings = {
    name: "web-workers",
    // SharedArrayBuffer exists only in a cross-origin isolated page (served with COOP and COEP headers).
    sharesMemory: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
    // One call at a time through a 1-worker pool (postMessage both ways), as for threads.
    chunkTripMs: 0.05,
    workers,
    maxTasksPerWorker,
    // Compiling a function's source needs a parser the browser build leaves out, and a page's
    // Content-Security-Policy may forbid it: tasks come from modules.
    acceptsInline: false,
  };
  return PooledBackend.start(settings, webWorkerChannel);
}
