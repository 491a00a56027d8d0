// Entry point of a worker thread.
import { parentPort } from "node:worker_threads";
import { serve } from "../../runtime/serve.ts";
import { installScriptHooks } from "../../task/script-loading.ts";

if (!parentPort) throw new Error("weft's thread worker must be started as a worker thread");
installScriptHooks();
const port = parentPort;
serve({
  postMessage: (message, transfer) => port.postMessage(message, transfer),
  on: (_event, listener) => void port.on("message", listener),
  exit: () => process.exit(0),
});
