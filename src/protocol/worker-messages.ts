// The messages between a pool and a worker it owns (a thread or a child process).
import type { Chunk, ChunkOutcome, JobSpec, SerializedError } from "./plan.ts";

export type ToWorker =
  | { readonly type: "job"; readonly spec: JobSpec }
  /** With `reportStart`, the worker says when the chunk starts running (its deadline starts then). */
  | { readonly type: "chunk"; readonly id: number; readonly chunk: Chunk; readonly reportStart: boolean }
  | { readonly type: "forget"; readonly jobId: number }
  /** Fires the signal of a chunk that is running or queued: its job was cancelled or it passed its deadline. */
  | { readonly type: "abort"; readonly id: number; readonly reason: SerializedError }
  /** The pool is closing: tear down the perWorker values once the chunks held are done, then exit. */
  | { readonly type: "close" };

export type FromWorker =
  | { readonly type: "started"; readonly id: number }
  | { readonly type: "outcome"; readonly id: number; readonly outcome: ChunkOutcome }
  /** The chunk could not run at all: its tasks did not load, or its result could not be sent. */
  | {
      readonly type: "broken";
      readonly id: number;
      readonly reason: "load" | "clone";
      readonly error: SerializedError;
    };
