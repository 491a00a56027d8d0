// The messages between a pool and a worker it owns (a thread or a child process).
import type { Chunk, ChunkOutcome, JobSpec, SerializedError } from "../plan/plan.ts";

export type ToWorker =
  | { readonly type: "job"; readonly spec: JobSpec }
  | { readonly type: "chunk"; readonly id: number; readonly chunk: Chunk }
  | { readonly type: "forget"; readonly jobId: number };

export type FromWorker =
  | { readonly type: "outcome"; readonly id: number; readonly outcome: ChunkOutcome }
  /** The chunk could not run at all: its tasks did not load, or its result could not be sent. */
  | {
      readonly type: "broken";
      readonly id: number;
      readonly reason: "load" | "clone";
      readonly error: SerializedError;
    };
