// Entry point of a web worker: the same runtime as a thread, over the worker's global scope.
import type { FromWorker, ToWorker } from "../../protocol/worker-messages.ts";
import { serve } from "../../runtime/serve.ts";
import type { WebWorkerMessage } from "./web-worker-messages.ts";

/** The part of a dedicated worker's global scope this entry uses (typed without the DOM library). */
interface WorkerScope {
  postMessage(message: FromWorker | WebWorkerMessage, transfer?: readonly ArrayBuffer[]): void;
  addEventListener(type: "message", listener: (event: { data: ToWorker }) => void): void;
  close(): void;
}

const scope = globalThis as unknown as WorkerScope;
serve({
  postMessage: (message, transfer) => scope.postMessage(message, transfer ?? []),
  on: (_event, listener) => scope.addEventListener("message", ({ data }) => listener(data)),
  exit: () => {
    scope.postMessage({ type: "exited" });
    scope.close();
  },
});
scope.postMessage({ type: "ready" });
