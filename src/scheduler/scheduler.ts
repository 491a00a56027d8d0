// The scheduler: a pure state machine. Events come in as method calls; `assign()` returns what to send where.
// It performs no I/O and reads no clock, so every ordering of events can be tested without workers.
import { inputLength, type Chunk } from "../protocol/plan.ts";
import { chunkSize, CostEstimator, type ChunkBounds, type PartSizing } from "./chunking.ts";

/**
 * A command: send the next `size` items of job `jobId` to worker `worker`, or, when `retry` is
 * set, that chunk (of `size` items), the job's oldest waiting for another attempt.
 */
export interface Assignment {
  readonly worker: number;
  readonly jobId: number;
  readonly size: number;
  readonly retry: Chunk | undefined;
}

/**
 * A job passed over this many times for a job of a higher priority gains one level: whatever its
 * priority, a job with work ready is never starved. Jobs of one priority go oldest first, as before.
 */
export const agingPerLevel = 16;

interface JobState {
  readonly bounds: ChunkBounds;
  /** How long one of its chunks should run, in ms. */
  readonly chunkMs: number | undefined;
  /** What it asks of its chunks when each writes a part file (chunking.ts). */
  readonly part: PartSizing | undefined;
  /** Higher goes first; among equals, the older job. */
  readonly priority: number;
  /** Chunks handed to jobs of a higher priority while this one had a chunk ready, since it last got one. */
  passedOver: number;
  readonly cost: CostEstimator;
  /** Items ready to be sent now. */
  available: number;
  /** Items sent so far (first attempts only). */
  sent: number;
  /** False while more items may still arrive (an open stream or a submit queue). */
  closed: boolean;
  /** Paused while a slow consumer has not taken the results already sent back (retries still go out). */
  paused: boolean;
  /** Chunks that failed and are due for another attempt, oldest first. */
  readonly retries: Chunk[];
  /**
   * Where the input is cut into stretches no chunk may cross (a resumed job's runs between the
   * chunks done before): the item counts at which one ends, rising; empty for one stretch.
   */
  readonly breaks: readonly number[];
}

export interface SchedulerOptions {
  /** Chunks a worker may hold at once: one running and the rest queued, so it never waits for a message. */
  readonly prefetch: number;
  /** What a chunk's trip to a worker and back costs beyond its work, in ms. @default 0 */
  readonly chunkTripMs?: number;
  /** What a chunk costs the path every chunk shares (chunking.ts, `loadShare`), in ms. @default 0 */
  readonly chunkLoadMs?: number;
  /** Workers that share one thread (chunking.ts, `threads`). @default 1 */
  readonly workersPerThread?: number;
}

export class Scheduler {
  readonly #prefetch: number;
  readonly #chunkTripMs: number;
  readonly #chunkLoadMs: number;
  readonly #workersPerThread: number;
  readonly #inflight = new Map<number, number>();
  /** Workers that take no new chunk (the set shrank below them); their chunks in flight run on. */
  readonly #retired = new Set<number>();
  readonly #jobs = new Map<number, JobState>();

  constructor(options: SchedulerOptions) {
    if (!(options.prefetch >= 1))
      throw new RangeError(`prefetch must be at least 1, got ${options.prefetch}`);
    this.#prefetch = options.prefetch;
    this.#chunkTripMs = options.chunkTripMs ?? 0;
    this.#chunkLoadMs = options.chunkLoadMs ?? 0;
    this.#workersPerThread = options.workersPerThread ?? 1;
  }

  addWorker(worker: number): void {
    this.#inflight.set(worker, 0);
  }

  /**
   * The set of workers is now 0..workers-1 (a cluster that machines join and leave): workers new to
   * it take chunks from the next `assign()`, and those at or above `workers` take no new one, while
   * the chunks they hold run on and are released as usual. The tail of every job is recomputed for
   * the new count.
   */
  resize(workers: number): void {
    for (let w = 0; w < workers; w++) {
      if (!this.#inflight.has(w)) this.#inflight.set(w, 0);
      this.#retired.delete(w);
    }
    for (const w of this.#inflight.keys()) if (w >= workers) this.#retired.add(w);
  }

  /** A job enters with the items ready now; `closed` says whether more can follow. */
  addJob(
    jobId: number,
    init: {
      available: number;
      closed: boolean;
      bounds: ChunkBounds;
      priority?: number;
      chunkMs?: number;
      part?: PartSizing;
      /** Lengths of the stretches of input no chunk may cross, in order; absent: one stretch. */
      runs?: readonly number[];
    },
  ): void {
    let end = 0;
    const breaks = (init.runs ?? []).map((count) => (end += count));
    this.#jobs.set(jobId, {
      bounds: init.bounds,
      chunkMs: init.chunkMs,
      part: init.part,
      priority: init.priority ?? 0,
      passedOver: 0,
      cost: new CostEstimator(),
      available: init.available,
      sent: 0,
      closed: init.closed,
      paused: false,
      retries: [],
      breaks,
    });
  }

  /** More items of an open job are ready. */
  offer(jobId: number, items: number): void {
    const job = this.#jobs.get(jobId);
    if (job) job.available += items;
  }

  /** An open job's input has ended: what is available is all that remains, so the tail can shrink. */
  close(jobId: number): void {
    const job = this.#jobs.get(jobId);
    if (job) job.closed = true;
  }

  setPaused(jobId: number, paused: boolean): void {
    const job = this.#jobs.get(jobId);
    if (job) job.paused = paused;
  }

  /** A chunk is due for another attempt (its worker died, or a retry's wait is over). */
  requeue(chunk: Chunk): void {
    this.#jobs.get(chunk.jobId)?.retries.push(chunk);
  }

  /**
   * Whether the job's input has ended and every item of it has been assigned: nothing new of it will
   * be sent (chunks waiting for a retry aside; the job counts those as unsettled).
   */
  exhausted(jobId: number): boolean {
    const job = this.#jobs.get(jobId);
    return job !== undefined && job.closed && job.available === 0;
  }

  /** Items ready to send and not yet sent, over every job, chunks waiting for a retry included. */
  waitingItems(): number {
    let items = 0;
    for (const job of this.#jobs.values()) {
      items += job.available;
      for (const chunk of job.retries) items += inputLength(chunk.input);
    }
    return items;
  }

  /** The job finished, failed or was cancelled: nothing more of it is assigned. */
  removeJob(jobId: number): void {
    this.#jobs.delete(jobId);
  }

  /** A worker finished a chunk of `items` input items, busy for `busyMs` of its own time. */
  chunkDone(worker: number, jobId: number, items: number, busyMs: number): void {
    this.#release(worker);
    this.#jobs.get(jobId)?.cost.record(items, busyMs);
  }

  /** A chunk ended without a measurement (it failed, or its job was cancelled). */
  chunkAbandoned(worker: number): void {
    this.#release(worker);
  }

  #release(worker: number): void {
    const inflight = this.#inflight.get(worker);
    if (inflight !== undefined && inflight > 0) this.#inflight.set(worker, inflight - 1);
  }

  /**
   * Fills free worker slots, highest priority first, then oldest job (jobs are numbered in order
   * of arrival), least loaded worker first. Returns the commands; the caller must send exactly
   * these chunks.
   */
  assign(): Assignment[] {
    const out: Assignment[] = [];
    const workers = this.#inflight.size - this.#retired.size;
    if (workers === 0) return out;
    for (;;) {
      const worker = this.#leastLoadedWorker();
      if (worker === undefined) return out;
      const next = this.#nextJob(this.#allIdle());
      if (next === undefined) return out;
      const [jobId, job] = next;
      this.#inflight.set(worker, this.#inflight.get(worker)! + 1);
      const retry = job.retries.shift();
      if (retry !== undefined) {
        out.push({ worker, jobId, size: inputLength(retry.input), retry });
        continue;
      }
      const size = cutAtBreak(
        job,
        chunkSize({
          costPerItemMs: job.cost.perItemMs,
          available: job.available,
          remaining: job.closed ? job.available : undefined,
          total: job.closed ? job.sent + job.available : undefined,
          workers,
          threads: Math.ceil(workers / this.#workersPerThread),
          bounds: job.bounds,
          chunkTripMs: this.#chunkTripMs,
          chunkLoadMs: this.#chunkLoadMs,
          targetMs: job.chunkMs,
          part: job.part,
        }),
      );
      job.available -= size;
      job.sent += size;
      out.push({ worker, jobId, size, retry: undefined });
    }
  }

  #leastLoadedWorker(): number | undefined {
    let best: number | undefined;
    let bestLoad = this.#prefetch;
    for (const [worker, load] of this.#inflight) {
      if (load < bestLoad && !this.#retired.has(worker)) {
        best = worker;
        bestLoad = load;
      }
    }
    return best;
  }

  #allIdle(): boolean {
    for (const load of this.#inflight.values()) if (load > 0) return false;
    return true;
  }

  /**
   * The first job, by {@link ahead}, with a full chunk ready; the lower-priority ones that had one
   * are passed over. Failing that, when no worker is busy (so no event but an offer will come to
   * wake the pool), the first with any items: a partial chunk beats a hang.
   */
  #nextJob(allIdle: boolean): [number, JobState] | undefined {
    let full: [number, JobState] | undefined;
    let partial: [number, JobState] | undefined;
    let competing = 0;
    for (const entry of this.#jobs) {
      const ready = readiness(entry[1]);
      if (ready === "full") {
        competing++;
        if (!full || ahead(entry, full)) full = entry;
      } else if (ready === "partial" && allIdle && (!partial || ahead(entry, partial))) partial = entry;
    }
    if (full && competing > 1) {
      const chosen = full[1].priority;
      for (const job of this.#jobs.values()) {
        if (job.priority < chosen && readiness(job) === "full") job.passedOver++;
      }
    }
    const next = full ?? partial;
    if (next) next[1].passedOver = 0;
    return next;
  }
}

/** `size` items, or fewer if the stretch the job's next item is in ends sooner. */
function cutAtBreak(job: JobState, size: number): number {
  for (const end of job.breaks) if (end > job.sent) return Math.min(size, end - job.sent);
  return size;
}

/** Whether a job has a whole chunk to send, only part of one, or nothing. */
function readiness(job: JobState): "full" | "partial" | "none" {
  // A paused job still sends its retries: they may be the chunk everything else waits behind.
  if (job.retries.length > 0) return "full";
  if (job.paused || job.available <= 0) return "none";
  // An open job waits for `minChunk` items, as more may come.
  return job.closed || job.available >= job.bounds.minChunk ? "full" : "partial";
}

/** Whether job `a` goes before job `b`: higher priority (with aging), then the older. */
function ahead([idA, a]: [number, JobState], [idB, b]: [number, JobState]): boolean {
  const levelA = a.priority + Math.floor(a.passedOver / agingPerLevel);
  const levelB = b.priority + Math.floor(b.passedOver / agingPerLevel);
  return levelA !== levelB ? levelA > levelB : idA < idB;
}
