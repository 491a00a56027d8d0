// The worker's side of the protocol: keeps each job's loaded tasks and answers every chunk with its outcome.
import { loadJob, runChunk, type LoadedJob } from "./execute.ts";
import { cloneAdvice, firstUncloneable } from "./clone-check.ts";
import { serializeError } from "./errors.ts";
import type { FromWorker, ToWorker } from "./protocol.ts";

export interface Port {
  postMessage(message: FromWorker): void;
  on(event: "message", listener: (message: ToWorker) => void): void;
}

export function serve(port: Port): void {
  const jobs = new Map<number, Promise<LoadedJob>>();

  const answer = async (
    id: number,
    job: Promise<LoadedJob>,
    message: Extract<ToWorker, { type: "chunk" }>,
  ) => {
    let loaded: LoadedJob;
    try {
      loaded = await job;
    } catch (error) {
      port.postMessage({ type: "broken", id, reason: "load", error: serializeError(error) });
      return;
    }
    const outcome = await runChunk(loaded, message.chunk);
    try {
      port.postMessage({ type: "outcome", id, outcome });
    } catch (error) {
      port.postMessage({ type: "broken", id, reason: "clone", error: describeCloneFailure(outcome, error) });
    }
  };

  port.on("message", (message) => {
    switch (message.type) {
      case "job": {
        const loading = loadJob(message.spec);
        loading.catch(() => {}); // reported with the job's first chunk
        jobs.set(message.spec.id, loading);
        return;
      }
      case "chunk": {
        const job = jobs.get(message.chunk.jobId);
        if (!job) {
          const error = new Error(`internal: chunk of unknown job ${message.chunk.jobId}`);
          port.postMessage({ type: "broken", id: message.id, reason: "load", error: serializeError(error) });
          return;
        }
        void answer(message.id, job, message);
        return;
      }
      case "forget":
        jobs.delete(message.jobId);
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
