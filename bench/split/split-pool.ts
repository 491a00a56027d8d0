// The hand split: what a user writes with worker_threads alone. Raw Workers started once and kept, like a
// pool; for each job every worker is sent one equal part of the input, and the answers come back in order
// for the main thread to combine. The ceiling for evenly priced items: one message each way per worker.
import { Worker } from "node:worker_threads";
import type { SplitHandlers, SplitKind, SplitReply, SplitRequest } from "./protocol.ts";

export type { SplitKind } from "./protocol.ts";
type PartOf<K extends SplitKind> = Parameters<SplitHandlers[K]>[0];
type AnswerOf<K extends SplitKind> = ReturnType<SplitHandlers[K]>;

const script = new URL("./worker.mjs", import.meta.url);

export interface SplitPool {
  readonly workers: number;
  /**
   * Worker k runs `handlers[kind](parts[k])`, all of them at once; their answers, in worker order. A
   * part that is a typed array is handed over, not copied (it is unusable here afterwards).
   */
  run<K extends SplitKind>(kind: K, parts: readonly PartOf<K>[]): Promise<AnswerOf<K>[]>;
  close(): Promise<void>;
}

/** A handler threw in a hand-split worker, or the worker died. */
export class SplitWorkerError extends Error {
  override name = "SplitWorkerError";
}

export function startSplitPool(workers: number): SplitPool {
  const threads = Array.from({ length: workers }, () => new Worker(script));
  let nextId = 0;
  return {
    workers,
    async run(kind, parts) {
      if (parts.length !== threads.length) {
        throw new RangeError(`${parts.length} parts for ${threads.length} workers: give each worker one`);
      }
      return await Promise.all(parts.map((part, k) => request(threads[k]!, nextId++, kind, part)));
    },
    async close() {
      await Promise.all(threads.map((t) => t.terminate()));
    },
  };
}

/**
 * One message to `worker` and its reply, matched by `id`: when one part of a run fails, the run rejects
 * at once, and the other workers' late replies must not answer the next run.
 */
function request<K extends SplitKind>(
  worker: Worker,
  id: number,
  kind: K,
  part: PartOf<K>,
): Promise<AnswerOf<K>> {
  return new Promise((resolve, reject) => {
    const settle = () => {
      worker.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
    };
    const onMessage = (reply: SplitReply) => {
      if (reply.id !== id) return;
      settle();
      if ("error" in reply) reject(new SplitWorkerError(`the hand split's ${kind} failed: ${reply.error}`));
      else resolve(reply.answer as AnswerOf<K>);
    };
    const onError = (error: Error) => {
      settle();
      reject(
        new SplitWorkerError(`a hand-split worker failed running ${kind}: ${error.message}`, {
          cause: error,
        }),
      );
    };
    const onExit = (code: number) => {
      settle();
      reject(new SplitWorkerError(`a hand-split worker exited (code ${code}) running ${kind}`));
    };
    worker.on("message", onMessage);
    worker.on("error", onError);
    worker.on("exit", onExit);
    // Handed over, not copied; memory shared between threads (a SharedArrayBuffer) needs neither.
    const transfer = ArrayBuffer.isView(part) && part.buffer instanceof ArrayBuffer ? [part.buffer] : [];
    worker.postMessage({ id, kind, part } satisfies SplitRequest, transfer);
  });
}
