// Entry point of a worker process: the same runtime as a thread, over the IPC channel.
import { serve, type Port } from "../../runtime/serve.ts";
import { installScriptHooks } from "../../task/script-loading.ts";

const send = process.send?.bind(process);
if (!send)
  throw new Error("weft's process worker must be started by the processes backend (with an IPC channel)");

const port: Port = {
  postMessage: (message) => void send(message),
  on: (_event, listener) => void process.on("message", listener),
  exit: () => process.exit(0),
};
installScriptHooks();
serve(port);
// Tells the pool this process is serving: a process that never says so is not replaced when it dies.
send({ type: "ready" });
