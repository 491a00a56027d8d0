// The baseline: the same plan, run chunk by chunk on the calling thread. No copies, no workers.
import type { Chunk, JobSpec } from "../../protocol/plan.ts";
import { loadJob, runChunk, type LoadedJob } from "../../runtime/execute.ts";
import type { Backend, ChunkHandle } from "../backend.ts";

export class SequentialBackend implements Backend {
  readonly name = "sequential";
  readonly workers = 1;
  readonly acceptsInline = true;
  readonly copiesValues = false;
  readonly sharesMemory = true;
  readonly chunkTripMs = 0;
  readonly #jobs = new Map<number, Promise<LoadedJob>>();

  run(_worker: number, spec: JobSpec, chunk: Chunk): ChunkHandle {
    let job = this.#jobs.get(spec.id);
    if (!job) this.#jobs.set(spec.id, (job = loadJob(spec)));
    const controller = new AbortController();
    const loaded = job;
    return {
      outcome: loaded.then((j) => runChunk(j, chunk, controller.signal)),
      started: loaded.then(() => {}),
      abort: (reason) => controller.abort(reason),
    };
  }

  /** A task on the calling thread cannot be stopped from outside; only its abort signal can ask. */
  restart(): void {}

  forget(jobId: number): void {
    this.#jobs.delete(jobId);
  }

  close(): Promise<void> {
    this.#jobs.clear();
    return Promise.resolve();
  }
}
