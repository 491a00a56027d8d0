// worker_threads backend: one thread per worker, chunks and outcomes as messages.
import { Worker } from "node:worker_threads";
import type { FromWorker, ToWorker } from "../../protocol/worker-messages.ts";
import type { WorkerChannel, WorkerLimits } from "../pooled/channel.ts";
import { PooledBackend } from "../pooled/pooled-backend.ts";
import { readsTypeScript } from "../../task/runtime.ts";

// Built, the entry is worker.js. Run from TypeScript sources (tests, tsx), it is worker.ts, and since
// Node does not pass `--import` loaders on to worker threads, a one-line bootstrap registers tsx
// first; Bun and Deno read TypeScript themselves, and load worker.ts as it is.
const runningFromSource = import.meta.url.endsWith(".ts");
const needsLoader = runningFromSource && !readsTypeScript();
const entry = new URL(runningFromSource ? "./worker.ts" : "./worker.js", import.meta.url);
const sourceBootstrap = `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))})
  .then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;

let liveThreads = 0;

/** Threads started by any threads backend and not yet exited; tests check it returns to zero. */
export function liveThreadCount(): number {
  return liveThreads;
}

function threadChannel(index: number, limits: WorkerLimits): WorkerChannel {
  const name = `weft-worker-${index}`;
  // V8's young generation is its two semi-spaces and a third of that size for large new objects.
  const resourceLimits = {
    ...(limits.semiSpaceMb !== undefined && { maxYoungGenerationSizeMb: 3 * limits.semiSpaceMb }),
    ...(limits.maxHeapMb !== undefined && { maxOldGenerationSizeMb: limits.maxHeapMb }),
  };
  const thread = needsLoader
    ? new Worker(sourceBootstrap, { eval: true, name, resourceLimits })
    : new Worker(entry, { name, resourceLimits });
  liveThreads++;
  thread.once("exit", () => liveThreads--);
  return {
    send: (message: ToWorker) => thread.postMessage(message),
    onMessage: (listener: (message: FromWorker) => void) => void thread.on("message", listener),
    onOnline: (listener) => void thread.once("online", listener),
    onError: (listener) => void thread.on("error", listener),
    onExit: (listener) => void thread.once("exit", (code) => listener(`exited with code ${code}`)),
    terminate: async () => void (await thread.terminate()),
  };
}

/** Starts `count` worker threads. */
export function startThreadsBackend(workers: number, limits: WorkerLimits): Promise<PooledBackend> {
  const settings = {
    name: "threads",
    sharesMemory: true,
    // One call at a time through a 1-worker pool (postMessage both ways).
    chunkTripMs: 0.04,
    workers,
    maxTasksPerWorker: limits.maxTasksPerWorker,
  };
  return PooledBackend.start(settings, (index) => threadChannel(index, limits));
}
