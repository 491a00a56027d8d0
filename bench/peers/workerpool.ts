// workerpool as its README shows it: a dedicated worker script, one pool, one exec() per task.
import { fileURLToPath } from "node:url";
import workerpoolLib from "workerpool";
import type { HandlerName, Handlers, Peer } from "./peer.ts";

const script = fileURLToPath(new URL("./workerpool-worker.mjs", import.meta.url));

export const workerpool: Peer = {
  name: "workerpool",
  start(workers) {
    // "thread" rather than "auto" so it is certain to use worker_threads like the others, not child processes.
    const pool = workerpoolLib.pool(script, {
      minWorkers: workers,
      maxWorkers: workers,
      workerType: "thread",
    });
    return {
      // exec returns workerpool's own promise class; awaiting it gives a native promise like the others.
      async call<N extends HandlerName>(name: N, arg: Parameters<Handlers[N]>[0]) {
        return await pool.exec<Handlers[N]>(name, [arg] as Parameters<Handlers[N]>);
      },
      close: async () => void (await pool.terminate()),
    };
  },
};
