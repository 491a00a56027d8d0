// The baseline: the same plan, run chunk by chunk on the calling thread. No copies, no workers.
import type { Chunk, ChunkOutcome, JobSpec } from "../../protocol/plan.ts";
import { loadJob, runChunk, type LoadedJob } from "../../runtime/execute.ts";
import { setUpWorker, tearDownWorker } from "../../task/per-worker.ts";
import type { Backend, ChunkHandle, PinnedWorker } from "../backend.ts";

/**
 * Sequential backends open in this process. They share the calling thread's perWorker values, which
 * are torn down when the last of them closes.
 */
let open = 0;

export class SequentialBackend implements Backend {
  readonly name = "sequential";
  readonly workers = 1;
  readonly acceptsInline = true;
  readonly copiesValues = false;
  readonly sharesMemory = true;
  readonly chunkTripMs = 0;
  readonly #jobs = new Map<number, Promise<LoadedJob>>();
  #closed = false;

  constructor() {
    open++;
  }

  run(_worker: number, spec: JobSpec, chunk: Chunk): ChunkHandle {
    let job = this.#jobs.get(spec.id);
    if (!job) this.#jobs.set(spec.id, (job = loadJob(spec)));
    const controller = new AbortController();
    const loaded = job;
    return {
      outcome: loaded.then(async (j) => {
        // Its task modules are loaded now, so every value they define is registered.
        await setUpWorker(j);
        return runChunk(j, chunk, controller.signal);
      }),
      // As on a worker, the deadline covers the setups too.
      started: loaded.then(() => {}),
      abort: (reason) => controller.abort(reason),
    };
  }

  /** The one worker is the calling thread, never replaced: the chunk runs once. */
  broadcast(spec: JobSpec, chunk: Chunk): Promise<Promise<ChunkOutcome>[]> {
    return Promise.resolve([this.run(0, spec, chunk).outcome]);
  }

  /** Every actor lives on the one worker, the calling thread. */
  pin(): Promise<PinnedWorker> {
    return Promise.resolve({
      name: "the calling thread",
      run: (spec, chunk) => this.run(0, spec, chunk).outcome,
      release() {},
    });
  }

  /** A task on the calling thread cannot be stopped from outside; only its abort signal can ask. */
  restart(): void {}

  forget(jobId: number): void {
    this.#jobs.delete(jobId);
  }

  async close(): Promise<void> {
    this.#jobs.clear();
    if (this.#closed) return;
    this.#closed = true;
    if (--open === 0) await tearDownWorker();
  }
}
