// The backend contract: how the dispatcher runs a chunk on a worker. Every backend passes test/conformance.
import type { LedgerStore } from "../protocol/ledger.ts";
import type { Chunk, ChunkOutcome, JobSpec } from "../protocol/plan.ts";

/**
 * The backend's handle on a chunk it was given (by `run`): what the dispatcher awaits and aborts.
 * The dispatcher keeps its own record beside it (its `DispatchedChunk`: the worker, the deadline's
 * timer), which no backend needs to see.
 */
export interface ChunkHandle {
  readonly outcome: Promise<ChunkOutcome>;
  /** Resolves when the chunk starts running (its tasks loaded), if `run` was asked to report it. */
  readonly started: Promise<void>;
  /** Fires the chunk's abort signal (what its tasks see as `taskSignal()`); cooperative. */
  abort(reason: Error): void;
}

/** The other side of a {@link ChunkHandle}: what a backend keeps to settle it when its worker answers. */
export interface ChunkSettlers {
  resolve(outcome: ChunkOutcome): void;
  reject(error: Error): void;
  started(): void;
}

/**
 * A set of workers that run chunks. The dispatcher decides which worker gets which chunk; the
 * backend only moves chunks and outcomes.
 *
 * Guarantees every backend gives:
 * - `run(...).outcome` resolves with the chunk's outcome: a partial result, or the first item
 *   that threw (with the task's name, the item's index and preview, and the task's own stack).
 * - It rejects only when the chunk could not be run at all: its input could not be sent
 *   ({@link CloneError}), its result could not be sent back ({@link CloneError}), its task
 *   modules could not be loaded ({@link WorkerError}), its worker died while running it
 *   ({@link WorkerCrashedError}) or was restarted because of it (the reason given to `restart`),
 *   or its worker stopped while it waited behind another chunk ({@link InterruptedError}).
 * - A worker runs its chunks one at a time, in the order it was given them.
 * - A worker that dies is replaced, in the same slot, with no job specs known.
 * - A worker receives a job's spec before that job's first chunk, and loads its tasks once.
 * - Chunks given to one worker start in the order they were given.
 * - After `close()` resolves, no worker thread or process of this backend is left.
 */
export interface Backend {
  /** The backend's name as users select it: "sequential", "threads". */
  readonly name: string;
  /** Worker ids, 0..n-1: how many there are now (a cluster's may change, see `watchWorkers`). */
  readonly workers: number;
  /** Whether inline functions (sent as source text) may run here. */
  readonly acceptsInline: boolean;
  /** Whether values are copied on the way to and from a worker (so uncloneable values fail). */
  readonly copiesValues: boolean;
  /** Whether a SharedArrayBuffer reaches the workers as the same memory (not across processes). */
  readonly sharesMemory: boolean;
  /** About what one chunk's trip to a worker and back costs beyond its work, in ms, measured one call at a time. */
  readonly chunkTripMs: number;
  /** Workers (slots) that share one thread of the machines that run the chunks; absent: one each. */
  readonly workersPerThread?: number;
  /**
   * What one chunk costs the path all chunks pass through one at a time (a cluster's coordinator and
   * Redis), in ms; absent where it is negligible next to the chunks (threads, processes).
   */
  readonly chunkLoadMs?: number;
  /**
   * Where resumable jobs keep their ledgers, outside this process, for a backend whose workers
   * outlive it (a cluster); absent where a job cannot outlive its pool.
   */
  readonly ledgers?: LedgerStore;
  run(worker: number, job: JobSpec, chunk: Chunk, reportStart: boolean): ChunkHandle;
  /**
   * For a backend whose workers come and go while it runs (a cluster that machines join and leave):
   * calls `listener` with the new count each time it changes. Ids below it may be new; those at or
   * above it get no new chunk, while the chunks they hold finish as usual. Fixed sets omit it.
   */
  watchWorkers?(listener: (workers: number) => void): void;
  /**
   * Ends worker `worker` now and replaces it: the chunk it is running rejects with `reason`, the
   * ones waiting behind it with InterruptedError. For a task that ignores its abort signal.
   * Backends that cannot stop their workers (in-process) do nothing.
   */
  restart(worker: number, reason: Error): void;
  /** The job is over; workers may drop what they kept for it. */
  forget(jobId: number): void;
  /**
   * Runs `chunk` on every worker now, and first of all on every worker that replaces one or joins
   * later; resolves, once the workers there now are known, with each one's outcome, by worker.
   */
  broadcast(job: JobSpec, chunk: Chunk): Promise<Promise<ChunkOutcome>[]>;
  /** One worker, chosen for holding the fewest pins, reached by itself: where an actor lives. */
  pin(): Promise<PinnedWorker>;
  close(): Promise<void>;
}

/**
 * A worker reached by itself: the chunks given to it run there one after another, in the order
 * given. If it dies, they reject as a chunk whose worker died does, and the next one goes to the
 * worker that took its place (on a cluster, another machine's if the whole machine is gone).
 */
export interface PinnedWorker {
  /** The worker as errors name it: "worker 1", "cluster worker host-42-1a2b thread 0". */
  readonly name: string;
  run(job: JobSpec, chunk: Chunk): Promise<ChunkOutcome>;
  /** No more chunks will come: the worker no longer counts this pin. */
  release(): void;
}
