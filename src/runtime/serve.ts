// The worker's side of the protocol: keeps each job's loaded tasks, sets up the perWorker values,
// runs chunks one at a time in the order they came, answers each with its outcome, and at close
// tears the values down and exits.
import { cloneAdvice, firstUncloneable } from "../protocol/clone-check.ts";
import { deserializeError, serializeError } from "../protocol/serialized-errors.ts";
import { loadJob, runChunk, type LoadedJob } from "./execute.ts";
import type { CollectedPart } from "../protocol/packing.ts";
import type { ChunkOutcome } from "../protocol/plan.ts";
import type { FromWorker, ToWorker } from "../protocol/worker-messages.ts";
import { setUpWorker, tearDownWorker } from "../task/per-worker.ts";
import { takeTransfers } from "../task/transfer.ts";
import { markAsWorker } from "../task/worker-scope.ts";
// Defines weft's own tasks for actors in every worker, whichever copy of weft sends their chunks.
import "./actor-tasks.ts";

export interface Port {
  /** `transfer`: buffers to move rather than copy, where the channel can (a thread's can). */
  postMessage(message: FromWorker, transfer?: readonly ArrayBuffer[]): void;
  on(event: "message", listener: (message: ToWorker) => void): void;
  /** Ends the worker once its perWorker values are torn down (a thread or a process exits; a web worker closes). */
  exit(): void;
}

type ChunkMessage = Extract<ToWorker, { type: "chunk" }>;

export function serve(port: Port): void {
  markAsWorker();
  const jobs = new Map<number, Promise<LoadedJob>>();
  // One chunk at a time, so `taskSignal()` always belongs to the chunk that is running.
  const queue: ChunkMessage[] = [];
  const controllers = new Map<number, AbortController>();
  let running = false;
  let closing = false;

  const exit = async () => {
    await tearDownWorker();
    port.exit();
  };

  const answer = async (message: ChunkMessage, signal: AbortSignal) => {
    const { id, chunk } = message;
    let loaded: LoadedJob;
    try {
      const job = jobs.get(chunk.jobId);
      if (!job) throw new Error(`internal: chunk of unknown job ${chunk.jobId}`);
      loaded = await job;
    } catch (error) {
      port.postMessage({ type: "broken", id, reason: "load", error: serializeError(error) });
      return;
    }
    // The deadline covers the setups too, so a setup that never settles cannot hang the job.
    if (message.reportStart) port.postMessage({ type: "started", id });
    // Its task modules are loaded now, so every value they define is registered.
    const settingUp = setUpWorker(loaded);
    if (settingUp) await settingUp;
    const outcome = await runChunk(loaded, chunk, signal);
    const moved = [...takeTransfers(), ...packedBuffers(loaded, outcome)];
    try {
      try {
        port.postMessage({ type: "outcome", id, outcome }, moved);
      } catch (error) {
        // A buffer that cannot be moved (Node.js marks some untransferable) is copied instead.
        if (moved.length === 0) throw error;
        port.postMessage({ type: "outcome", id, outcome });
      }
    } catch (error) {
      port.postMessage({ type: "broken", id, reason: "clone", error: describeCloneFailure(outcome, error) });
    }
  };

  const next = async () => {
    if (running) return;
    running = true;
    for (let message = queue.shift(); message; message = queue.shift()) {
      const signal = controllers.get(message.id)!.signal;
      await answer(message, signal);
      controllers.delete(message.id);
    }
    running = false;
    if (closing) await exit();
  };

  port.on("message", (message) => {
    switch (message.type) {
      case "job": {
        const loading = loadJob(message.spec);
        loading.catch(() => {}); // reported with the job's first chunk
        jobs.set(message.spec.id, loading);
        return;
      }
      case "chunk":
        controllers.set(message.id, new AbortController());
        queue.push(message);
        void next();
        return;
      case "abort":
        controllers.get(message.id)?.abort(deserializeError(message.reason));
        return;
      case "forget":
        jobs.delete(message.jobId);
        return;
      case "close":
        closing = true;
        if (!running) void exit();
        return;
    }
  });
}

function describeCloneFailure(outcome: { ok: boolean; partial?: unknown }, error: unknown) {
  const values = outcome.ok && Array.isArray(outcome.partial) ? outcome.partial : [outcome.partial];
  const culprit = firstUncloneable(values);
  const what = culprit ? `result ${culprit.description}` : (error as Error).message;
  return {
    name: "CloneError",
    message: `a task's result cannot be sent back from the worker: ${what}; ${cloneAdvice}`,
  };
}

/** The typed array a collect packed its numbers or booleans into (packing.ts): made for the trip, so moved. */
function packedBuffers(job: LoadedJob, outcome: ChunkOutcome): ArrayBuffer[] {
  if (job.spec.terminal.op !== "collect" || !outcome.ok || Array.isArray(outcome.partial)) return [];
  const part = outcome.partial as Exclude<CollectedPart, readonly unknown[]>;
  const packed = "numbers" in part ? part.numbers : part.booleans;
  return packed.buffer instanceof ArrayBuffer ? [packed.buffer] : [];
}
