// The baseline: the same plan, run chunk by chunk on the calling thread. No copies, no workers.
import type { Chunk, ChunkOutcome, JobSpec } from "../../plan/plan.ts";
import { loadJob, runChunk, type LoadedJob } from "../../runtime/execute.ts";
import type { Backend } from "../backend.ts";

export class SequentialBackend implements Backend {
  readonly name = "sequential";
  readonly workers = 1;
  readonly acceptsInline = true;
  readonly copiesValues = false;
  readonly #jobs = new Map<number, Promise<LoadedJob>>();

  async run(_worker: number, spec: JobSpec, chunk: Chunk): Promise<ChunkOutcome> {
    let job = this.#jobs.get(spec.id);
    if (!job) this.#jobs.set(spec.id, (job = loadJob(spec)));
    return runChunk(await job, chunk);
  }

  forget(jobId: number): void {
    this.#jobs.delete(jobId);
  }

  close(): Promise<void> {
    this.#jobs.clear();
    return Promise.resolve();
  }
}
