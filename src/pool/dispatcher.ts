// The I/O edge of the scheduler: turns its assignments into backend calls and outcomes back into events.
import { PoolClosedError } from "../errors.ts";
import type { PoolEventEmitter } from "../events/events.ts";
import type { Backend } from "../backends/backend.ts";
import type { Job } from "../jobs/job.ts";
import type { Chunk, ChunkOutcome } from "../plan/plan.ts";
import { inputLength } from "../plan/plan.ts";
import { Scheduler } from "../scheduler/scheduler.ts";

interface Running {
  readonly job: Job;
  readonly startedAt: number;
  done: number;
}

export class Dispatcher {
  readonly #scheduler: Scheduler;
  readonly #jobs = new Map<number, Running>();
  #pumpScheduled = false;
  #closed = false;

  constructor(
    readonly backend: Backend,
    readonly events: PoolEventEmitter,
  ) {
    // A worker holds one chunk running and one waiting, so it never idles between messages.
    // In-process there is nothing to overlap, and a waiting chunk would only delay cancellation.
    this.#scheduler = new Scheduler({ prefetch: backend.copiesValues ? 2 : 1 });
    for (let w = 0; w < backend.workers; w++) this.#scheduler.addWorker(w);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Starts a job; its output tells the caller how it ends. */
  start(job: Job): void {
    if (this.#closed) {
      job.fail(new PoolClosedError());
      return;
    }
    const id = job.spec.id;
    this.#jobs.set(id, { job, startedAt: performance.now(), done: 0 });
    this.events.emit("job", { jobId: id, state: "started" });
    const { available, closed } = job.source.open({
      offer: (items) => {
        job.offered(items);
        this.#scheduler.offer(id, items);
        this.schedulePump();
      },
      end: () => {
        this.#scheduler.close(id);
        job.endInput();
        this.#afterChange(id);
      },
      fail: (error) => {
        job.fail(error instanceof Error ? error : new Error(String(error)));
        this.#afterChange(id);
      },
    });
    job.offered(available);
    this.#scheduler.addJob(id, { available, closed, bounds: job.bounds });
    if (closed) job.endInput();
    this.#afterChange(id);
  }

  /** Pauses or resumes a job whose consumer is behind. */
  setPaused(jobId: number, paused: boolean): void {
    this.#scheduler.setPaused(jobId, paused);
    if (!paused) this.schedulePump();
  }

  /** Sends work on the next turn of the event loop, so a burst of offers becomes one round of chunks. */
  schedulePump(): void {
    if (this.#pumpScheduled || this.#closed) return;
    this.#pumpScheduled = true;
    setImmediate(() => {
      this.#pumpScheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    if (this.#closed) return;
    for (const { worker, jobId, size } of this.#scheduler.assign()) {
      const running = this.#jobs.get(jobId)!;
      const chunk = running.job.take(size);
      this.backend.run(worker, running.job.spec, chunk).then(
        (outcome) => this.#settle(worker, running, chunk, outcome),
        (error: Error) => this.#lose(worker, running, chunk, error),
      );
    }
  }

  #settle(worker: number, running: Running, chunk: Chunk, outcome: ChunkOutcome): void {
    const { job } = running;
    const items = inputLength(chunk.input);
    if (outcome.ok) {
      this.#scheduler.chunkDone(worker, job.spec.id, items, outcome.endedAt - outcome.startedAt);
      running.done += items;
      this.#report(worker, running, chunk, items, outcome.startedAt, outcome.endedAt);
    } else this.#scheduler.chunkAbandoned(worker);
    job.settle(chunk, outcome);
    this.#afterChange(job.spec.id);
  }

  #lose(worker: number, running: Running, chunk: Chunk, error: Error): void {
    this.#scheduler.chunkAbandoned(worker);
    running.job.lose(chunk, error);
    this.#afterChange(running.job.spec.id);
  }

  #report(worker: number, running: Running, chunk: Chunk, items: number, startedAt: number, endedAt: number) {
    const { jobId, seq } = chunk;
    if (this.events.listenerCount("chunk") > 0) {
      this.events.emit("chunk", { jobId, seq, worker, items, startedAt, endedAt });
    }
    if (this.events.listenerCount("progress") > 0) {
      const elapsedMs = performance.now() - running.startedAt;
      const { done, job } = running;
      this.events.emit("progress", {
        jobId,
        done,
        total: job.total,
        elapsedMs,
        rate: (done * 1000) / elapsedMs,
      });
    }
  }

  /** After any change to a job: drop it if it ended, else look for work to send. */
  #afterChange(jobId: number): void {
    const running = this.#jobs.get(jobId);
    if (running?.job.finished) {
      this.#jobs.delete(jobId);
      this.#scheduler.removeJob(jobId);
      this.backend.forget(jobId);
      const { error } = running.job;
      this.events.emit("job", error ? { jobId, state: "failed", error } : { jobId, state: "completed" });
    }
    this.schedulePump();
  }

  /** Ends one job now (a stream whose reader left): its chunks still in flight are ignored. */
  cancel(job: Job, error: Error): void {
    job.fail(error);
    this.#afterChange(job.spec.id);
  }

  /** Fails every job still running; the backend is closed by the caller. */
  close(): void {
    this.#closed = true;
    for (const [id, { job }] of this.#jobs) {
      job.fail(new PoolClosedError());
      this.#scheduler.removeJob(id);
    }
    this.#jobs.clear();
  }
}
