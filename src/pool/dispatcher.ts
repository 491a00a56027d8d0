// The I/O edge of the scheduler: turns its assignments into backend calls, outcomes into events,
// and failures into retries (after a wait), replacements (after a crash) or a failed job.
import type { Backend, ChunkHandle } from "../backends/backend.ts";
import {
  AbortError,
  InterruptedError,
  PoisonTaskError,
  PoolClosedError,
  SetupError,
  TaskError,
  TimeoutError,
  WorkerCrashedError,
} from "../errors.ts";
import type { PoolEventEmitter } from "../events/events.ts";
import type { Job } from "../jobs/job.ts";
import { ResumedSource } from "../jobs/resumed-source.ts";
import type { Chunk, ChunkOutcome } from "../protocol/plan.ts";
import { describeChunkInput, inputLength } from "../protocol/plan.ts";
import { deserializeError } from "../protocol/serialized-errors.ts";
import { decide, type FailureKind } from "../scheduler/failure-policy.ts";
import { Scheduler } from "../scheduler/scheduler.ts";
import { chunkTargets } from "../scheduler/chunking.ts";

/** A job the dispatcher runs: started, not yet finished. */
interface ActiveJob {
  readonly job: Job;
  readonly startedAt: number;
  done: number;
  /** Under a rate limit: when the next item of the job may start, in wall-clock ms since the epoch. */
  nextSlotMs: number;
  readonly stopListening: () => void;
}

/**
 * The dispatcher's record of a chunk it gave a worker, beside the backend's handle on it. Only the
 * first of a worker's chunks is running; its deadline starts then.
 */
interface DispatchedChunk {
  readonly worker: number;
  readonly active: ActiveJob;
  readonly chunk: Chunk;
  readonly handle: ChunkHandle;
  timer?: NodeJS.Timeout;
  settled?: boolean;
  /** Its abort has been sent: no deadline may be armed after that. */
  stopped?: boolean;
}

/**
 * What a pool that traces its work (telemetry.ts) is told as jobs and chunks start and end. A chunk
 * goes out as `chunkSent` returns it: with the trace context its worker runs it in.
 */
export interface DispatchTracing {
  jobStarted(job: Job): void;
  chunkSent(job: Job, chunk: Chunk, worker: number): Chunk;
  /** `error` undefined: the chunk came back with its result. */
  chunkEnded(chunk: Chunk, error: Error | undefined): void;
  jobEnded(job: Job): void;
}

export class Dispatcher {
  readonly #scheduler: Scheduler;
  readonly #jobs = new Map<number, ActiveJob>();
  readonly #timers = new Set<NodeJS.Timeout>();
  /** Each worker's chunks in the order it runs them. */
  readonly #lanes = new Map<number, DispatchedChunk[]>();
  #pumpScheduled = false;
  #closed = false;

  constructor(
    readonly backend: Backend,
    readonly events: PoolEventEmitter,
    /** How long a task has to stop after its abort signal fires before its worker is ended. */
    readonly graceMs: number,
    readonly tracing?: DispatchTracing,
  ) {
    // A worker holds one chunk running and one waiting, so it never idles between messages.
    // In-process there is nothing to overlap, and a waiting chunk would only delay cancellation.
    this.#scheduler = new Scheduler({
      prefetch: backend.copiesValues ? 2 : 1,
      chunkTripMs: backend.chunkTripMs,
      chunkLoadMs: backend.chunkLoadMs,
      workersPerThread: backend.workersPerThread,
    });
    for (let w = 0; w < backend.workers; w++) {
      this.#scheduler.addWorker(w);
      this.#lanes.set(w, []);
    }
    backend.watchWorkers?.((workers) => this.#resize(workers));
  }

  /** The backend's workers are now 0..workers-1 (a cluster grew or shrank): new chunks go to those. */
  #resize(workers: number): void {
    for (let w = 0; w < workers; w++) if (!this.#lanes.has(w)) this.#lanes.set(w, []);
    this.#scheduler.resize(workers);
    this.schedulePump();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Starts a job; its output tells the caller how it ends. */
  start(job: Job): void {
    if (this.#closed) return job.fail(new PoolClosedError());
    const { signal } = job.controls;
    if (signal?.aborted) return job.fail(new AbortError(signal.reason));
    const id = job.spec.id;
    job.watch(() => this.#afterChange(id));
    const onAbort = () => this.cancel(job, new AbortError(signal!.reason));
    signal?.addEventListener("abort", onAbort, { once: true });
    const stopListening = () => signal?.removeEventListener("abort", onAbort);
    this.#jobs.set(id, { job, startedAt: performance.now(), done: 0, nextSlotMs: 0, stopListening });
    this.events.emit("job", { jobId: id, state: "started" });
    this.tracing?.jobStarted(job);
    // A listener of that event may have cancelled the job already: it is over, and was dropped.
    if (job.finished) return;
    const { available, closed } = job.source.open({
      offer: (items) => {
        this.#scheduler.offer(id, items);
        this.schedulePump();
      },
      end: () => {
        this.#scheduler.close(id);
        this.#afterChange(id);
      },
      fail: (error) => {
        job.fail(error instanceof Error ? error : new Error(String(error)));
        this.#afterChange(id);
      },
    });
    const { bounds, priority } = job.controls;
    // A shuffle's chunk writes out its table of partials once, and a sink's chunk a part file: they run longer.
    const recordsAsTheyAre = (job.source.itemsAreRecords ?? true) && job.spec.stages.length === 0;
    const { chunkMs, part } = chunkTargets(job.spec.terminal.op, recordsAsTheyAre);
    // A resumed job's runs between the chunks done before: each chunk stays inside one.
    const runs = job.source instanceof ResumedSource ? job.source.runs.map((run) => run.count) : undefined;
    this.#scheduler.addJob(id, {
      available,
      closed,
      bounds,
      priority,
      chunkMs,
      part,
      ...(runs && { runs }),
    });
    this.#afterChange(id);
  }

  /** Input items not yet sent to a worker, retries included: the pool's queue depth. */
  queuedItems(): number {
    return this.#scheduler.waitingItems();
  }

  /** Pauses or resumes a job whose consumer is behind. */
  setPaused(jobId: number, paused: boolean): void {
    this.#scheduler.setPaused(jobId, paused);
    if (!paused) this.schedulePump();
  }

  /**
   * For each worker, the job of the chunk it is running (or was last sent), or undefined when idle;
   * a worker the set shrank below is listed while it still holds a chunk.
   */
  workerJobs(): (number | undefined)[] {
    const jobs = [...this.#lanes.values()].map((lane) => lane[0]?.chunk.jobId);
    while (jobs.length > this.backend.workers && jobs.at(-1) === undefined) jobs.pop();
    return jobs;
  }

  /** Runs `fn` after `delayMs` unless the pool closes first. */
  schedule(delayMs: number, fn: () => void): void {
    if (this.#closed) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, delayMs);
    this.#timers.add(timer);
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
    for (const { worker, jobId, size, retry } of this.#scheduler.assign()) {
      const active = this.#jobs.get(jobId)!;
      const { job } = active;
      const cut = paced(active, retry ?? job.take(size));
      const chunk = this.tracing ? this.tracing.chunkSent(job, cut, worker) : cut;
      const handle = this.backend.run(worker, job.spec, chunk, job.controls.timeoutMs !== undefined);
      const entry: DispatchedChunk = { worker, active, chunk, handle };
      const lane = this.#lanes.get(worker)!;
      lane.push(entry);
      if (lane.length === 1) this.#arm(entry);
      entry.handle.outcome.then(
        (outcome) => {
          this.#release(entry);
          this.#settle(worker, active, chunk, outcome);
        },
        (error: Error) => {
          this.#release(entry);
          this.#scheduler.chunkAbandoned(worker);
          this.tracing?.chunkEnded(chunk, error);
          this.#failed(worker, active, chunk, error);
        },
      );
    }
  }

  /**
   * The chunk has started on its worker: if its job is cancelled or it has a deadline, the abort
   * signal fires at that time, and if the task is still running a grace period later, its worker
   * is ended (and replaced).
   */
  #arm(entry: DispatchedChunk): void {
    const { job } = entry.active;
    if (job.finished) return this.#stop(entry, new AbortError(job.error?.message ?? "job ended"));
    const { timeoutMs } = job.controls;
    if (timeoutMs === undefined) return;
    // From when the chunk starts, not when it was sent: loading a task module can take longer than a deadline.
    void entry.handle.started.then(() => {
      if (entry.settled || entry.stopped) return;
      entry.timer = setTimeout(() => {
        const what = describeChunkInput(entry.chunk);
        this.#stop(entry, new TimeoutError(`the chunk of ${what} ran past its timeout of ${timeoutMs} ms`));
      }, timeoutMs);
    });
  }

  /** Abort, then after the grace period, end the worker. */
  #stop(entry: DispatchedChunk, reason: Error): void {
    if (entry.stopped) return;
    entry.stopped = true;
    clearTimeout(entry.timer);
    entry.handle.abort(reason);
    entry.timer = setTimeout(() => {
      this.events.emit("restart", { worker: entry.worker, reason });
      this.backend.restart(entry.worker, reason);
    }, this.graceMs);
  }

  /** The chunk left its worker; the one behind it is now running. */
  #release(entry: DispatchedChunk): void {
    entry.settled = true;
    clearTimeout(entry.timer);
    const lane = this.#lanes.get(entry.worker)!;
    const at = lane.indexOf(entry);
    lane.splice(at, 1);
    if (at === 0 && lane.length > 0) this.#arm(lane[0]!);
  }

  #settle(worker: number, active: ActiveJob, chunk: Chunk, outcome: ChunkOutcome): void {
    const { job } = active;
    if (!outcome.ok) {
      this.#scheduler.chunkAbandoned(worker);
      const { failure } = outcome;
      const cause = deserializeError(failure.error);
      // A task read a perWorker value its worker could not set up: the job fails with that, not a TaskError.
      const error = cause instanceof SetupError ? cause : new TaskError(failure, cause);
      this.tracing?.chunkEnded(chunk, error);
      return this.#failed(worker, active, chunk, error, failure.taskKey);
    }
    this.tracing?.chunkEnded(chunk, undefined);
    const items = inputLength(chunk.input);
    this.#scheduler.chunkDone(worker, job.spec.id, items, outcome.endedAt - outcome.startedAt);
    active.done += items;
    this.#report(worker, active, chunk, items, outcome.startedAt, outcome.endedAt);
    job.settle(chunk, outcome.partial, outcome.failures);
    this.#afterChange(job.spec.id);
  }

  /** A chunk failed: the failure policy decides whether it runs again, is set aside, or fails the job. */
  #failed(worker: number, active: ActiveJob, chunk: Chunk, error: Error, taskKey?: string): void {
    const { job } = active;
    if (!job.finished) {
      const history = job.history(chunk);
      const kind = failureKind(error);
      if (kind === "crash") {
        this.events.emit("restart", { worker, reason: error });
        history.crashes.push(error);
      }
      // A task error is judged by the task's own error, and the TaskError carries every attempt's.
      const judged = error instanceof TaskError ? (error.cause as Error) : error;
      if (kind === "timeout" || kind === "task") history.errors.push(judged);
      if (error instanceof TaskError) error.attempts = history.errors;
      const decision = decide({
        kind,
        error: judged,
        attempts: history.errors.length,
        crashes: history.crashes.length,
        policy: job.retryPolicy(kind === "task" ? taskKey : undefined),
        collect: job.controls.errors === "collect",
        lastRun: chunk.skipFailures === true,
        random: Math.random(),
      });
      if (decision.action === "retry") {
        if (decision.reported) {
          const { attempt } = decision;
          this.events.emit("retry", { jobId: job.spec.id, seq: chunk.seq, attempt, error: judged });
        }
        return this.#retry(job, chunk, decision.delayMs);
      }
      if (decision.action === "set-aside") return this.#retry(job, { ...chunk, skipFailures: true }, 0);
      if (decision.poison) {
        error = new PoisonTaskError(`the chunk of ${describeChunkInput(chunk)}`, history.crashes);
      }
    }
    job.lose(chunk, error);
    if (job.finished) this.#stopRunning(job, error);
    this.#afterChange(job.spec.id);
  }

  #retry(job: Job, chunk: Chunk, delayMs: number): void {
    // Requeued only when its wait is over: the scheduler hands out requeued chunks oldest first, and
    // one requeued early would be sent in place of a chunk whose wait had ended.
    const requeue = () => {
      // Cancelled meanwhile, possibly by a listener of the retry or restart event just emitted.
      if (job.finished) return;
      this.#scheduler.requeue(chunk);
      this.schedulePump();
    };
    if (delayMs > 0) this.schedule(delayMs, requeue);
    else requeue();
  }

  #report(
    worker: number,
    active: ActiveJob,
    chunk: Chunk,
    items: number,
    startedAt: number,
    endedAt: number,
  ) {
    const { jobId, seq } = chunk;
    if (this.events.listenerCount("chunk") > 0) {
      this.events.emit("chunk", { jobId, seq, worker, items, startedAt, endedAt });
    }
    if (this.events.listenerCount("progress") > 0) {
      const elapsedMs = performance.now() - active.startedAt;
      const { done, job } = active;
      this.events.emit("progress", {
        jobId,
        done,
        total: job.total,
        elapsedMs,
        rate: (done * 1000) / elapsedMs,
      });
    }
  }

  /** After any change to a job: complete it if all of it has settled, drop it if it ended, else look for work to send. */
  #afterChange(jobId: number): void {
    const active = this.#jobs.get(jobId);
    if (active && !active.job.finished && this.#scheduler.exhausted(jobId)) active.job.completeIfSettled();
    if (active?.job.finished) {
      this.#jobs.delete(jobId);
      this.#scheduler.removeJob(jobId);
      this.backend.forget(jobId);
      active.stopListening();
      const { error } = active.job;
      this.tracing?.jobEnded(active.job);
      this.events.emit("job", error ? { jobId, state: "failed", error } : { jobId, state: "completed" });
    }
    this.schedulePump();
  }

  /**
   * Ends one job now (cancelled, or a stream whose reader left): it rejects at once; its queued
   * chunks are not sent, and its running ones are stopped through abort, grace, and ending the worker.
   */
  cancel(job: Job, error: Error): void {
    if (job.finished) return;
    job.fail(error);
    this.#stopRunning(job, error);
    this.#afterChange(job.spec.id);
  }

  /** The job has ended: its running chunks are stopped, its queued ones told to stop at once. */
  #stopRunning(job: Job, error: Error): void {
    for (const lane of this.#lanes.values()) {
      const head = lane[0];
      if (head?.active.job === job) this.#stop(head, error);
      for (const entry of lane.slice(1)) if (entry.active.job === job) entry.handle.abort(error);
    }
  }

  /** Fails every job still running; the backend is closed by the caller. */
  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const lane of this.#lanes.values()) for (const entry of lane) clearTimeout(entry.timer);
    for (const [id, { job, stopListening }] of this.#jobs) {
      job.fail(new PoolClosedError());
      this.tracing?.jobEnded(job);
      this.#scheduler.removeJob(id);
      stopListening();
    }
    this.#jobs.clear();
  }
}

/** What kind of failure an error is, for the failure policy. */
function failureKind(error: Error): FailureKind {
  if (error instanceof InterruptedError) return "interrupted";
  if (error instanceof TimeoutError) return "timeout";
  if (error instanceof WorkerCrashedError) return "crash";
  if (error instanceof TaskError) return "task";
  return "other";
}

/**
 * The chunk with its stretch of a rate-limited job's schedule: its items take the next slots, one
 * every 1000 / perSecond ms from the first free one. A chunk sent again takes new slots.
 */
function paced(active: ActiveJob, chunk: Chunk): Chunk {
  const { perSecond } = active.job.controls;
  if (perSecond === undefined) return chunk;
  const intervalMs = 1000 / perSecond;
  const startAt = Math.max(wallClock(), active.nextSlotMs);
  active.nextSlotMs = startAt + inputLength(chunk.input) * intervalMs;
  return { ...chunk, pace: { startAt, intervalMs } };
}

/** Milliseconds since the epoch, to the fraction: workers on this machine read the same clock. */
const wallClock = (): number => performance.timeOrigin + performance.now();
