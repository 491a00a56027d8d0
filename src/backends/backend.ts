// The backend contract: how the dispatcher runs a chunk on a worker. Every backend passes test/conformance.
import type { Chunk, ChunkOutcome, JobSpec } from "../plan/plan.ts";

/**
 * A set of workers that run chunks. The dispatcher decides which worker gets which chunk; the
 * backend only moves chunks and outcomes.
 *
 * Guarantees every backend gives:
 * - `run` resolves with the chunk's outcome: a partial result, or the first item that threw
 *   (with the task's name, the item's index and preview, and the task's own stack).
 * - `run` rejects only when the chunk could not be run at all: its input could not be sent
 *   ({@link CloneError}), its result could not be sent back ({@link CloneError}), its task
 *   modules could not be loaded or the worker died ({@link WorkerError}).
 * - A worker receives a job's spec before that job's first chunk, and loads its tasks once.
 * - Chunks given to one worker start in the order they were given.
 * - After `close()` resolves, no worker thread or process of this backend is left.
 */
export interface Backend {
  /** The backend's name as users select it: "sequential", "threads". */
  readonly name: string;
  /** Worker ids, 0..n-1. */
  readonly workers: number;
  /** Whether inline functions (sent as source text) may run here. */
  readonly acceptsInline: boolean;
  /** Whether values are copied on the way to and from a worker (so uncloneable values fail). */
  readonly copiesValues: boolean;
  run(worker: number, job: JobSpec, chunk: Chunk): Promise<ChunkOutcome>;
  /** The job is over; workers may drop what they kept for it. */
  forget(jobId: number): void;
  close(): Promise<void>;
}
