// A backend over a fixed number of worker slots, threads, processes or web workers: moves chunks and outcomes,
// replaces a worker that dies, and ends one on request.
import { InterruptedError, WorkerError } from "../../errors.ts";
import { inputLength, type Chunk, type ChunkOutcome, type JobSpec } from "../../protocol/plan.ts";
import { describeSendFailure } from "../../protocol/send-failure.ts";
import { serializeError } from "../../protocol/serialized-errors.ts";
import type { Backend, ChunkHandle, PinnedWorker } from "../backend.ts";
import type { Spawn } from "./channel.ts";
import { PooledWorker } from "./pooled-worker.ts";

export interface PooledSettings {
  readonly name: string;
  readonly sharesMemory: boolean;
  /** See {@link Backend.chunkTripMs}. */
  readonly chunkTripMs: number;
  readonly workers: number;
  /** Replace a worker once it has run this many tasks (items). */
  readonly maxTasksPerWorker: number | undefined;
  /** See {@link Backend.acceptsInline}. @default true */
  readonly acceptsInline?: boolean;
}

export class PooledBackend implements Backend {
  readonly acceptsInline: boolean;
  readonly copiesValues = true;
  readonly name: string;
  readonly sharesMemory: boolean;
  readonly chunkTripMs: number;
  readonly #slots: PooledWorker[] = [];
  readonly #spawn: Spawn;
  readonly #recycleAfter: number | undefined;
  #nextId = 0;
  #closing = false;
  /** What every worker runs before anything else, the ones that replace others included. */
  #broadcasts: { readonly spec: JobSpec; readonly chunk: Chunk }[] = [];
  /** Pins held on each slot (actors living there). */
  readonly #pins: number[];

  private constructor(settings: PooledSettings, spawn: Spawn) {
    this.name = settings.name;
    this.acceptsInline = settings.acceptsInline ?? true;
    this.sharesMemory = settings.sharesMemory;
    this.chunkTripMs = settings.chunkTripMs;
    this.#spawn = spawn;
    this.#recycleAfter = settings.maxTasksPerWorker;
    this.#pins = Array<number>(settings.workers).fill(0);
    for (let i = 0; i < settings.workers; i++) this.#slots.push(this.#start(i));
  }

  /** Starts the workers with `spawn` and waits until each is serving. */
  static async start(settings: PooledSettings, spawn: Spawn): Promise<PooledBackend> {
    const { name } = settings;
    const backend = new PooledBackend(settings, spawn);
    try {
      await Promise.all(
        backend.#slots.map(
          (w) =>
            new Promise<void>((resolve, reject) => {
              w.channel.onOnline(resolve);
              w.channel.onError(reject);
              w.channel.onExit((how) => reject(new Error(`a worker ${how} while starting`)));
            }),
        ),
      );
    } catch (error) {
      await backend.close();
      throw new WorkerError(`could not start ${name} workers: ${String(error)}`, { cause: error });
    }
    return backend;
  }

  /** A worker for slot `index`; when it dies, a new one takes the slot. */
  #start(index: number): PooledWorker {
    return new PooledWorker(index, this.#spawn(index), (dead) => {
      // One that died by itself before it came up would fail again the same way: replacing it would
      // only loop. One ended on purpose is replaced, whether it was up yet or not.
      if (this.#closing || this.#slots[index] !== dead || !(dead.online || dead.stopReason)) return;
      this.#slots[index] = this.#start(index);
      for (const { spec, chunk } of this.#broadcasts) {
        // Nobody waits for this outcome: a failure is reported as a warning.
        this.run(index, spec, chunk, false).outcome.then(
          (outcome) => {
            if (!outcome.ok) warnBroadcastFailed(index, outcome.failure.error.message);
          },
          (error: Error) => warnBroadcastFailed(index, error.message),
        );
      }
    });
  }

  broadcast(spec: JobSpec, chunk: Chunk): Promise<Promise<ChunkOutcome>[]> {
    this.#broadcasts.push({ spec, chunk });
    return Promise.resolve(this.#slots.map((_, worker) => this.run(worker, spec, chunk, false).outcome));
  }

  pin(): Promise<PinnedWorker> {
    const worker = this.#pins.indexOf(Math.min(...this.#pins));
    this.#pins[worker]!++;
    let released = false;
    return Promise.resolve({
      name: `worker ${worker}`,
      run: (spec, chunk) => this.run(worker, spec, chunk, false).outcome,
      release: () => {
        if (!released) this.#pins[worker]!--;
        released = true;
      },
    });
  }

  get workers(): number {
    return this.#slots.length;
  }

  run(worker: number, spec: JobSpec, chunk: Chunk, reportStart: boolean): ChunkHandle {
    const w = this.#slots[worker]!;
    const id = this.#nextId++;
    if (w.exited) {
      const error = new WorkerError(`worker ${worker} died while starting and could not be replaced`);
      return { outcome: Promise.reject(error), started: new Promise(() => {}), abort: () => {} };
    }
    const abort = (reason: Error) => {
      if (w.pending.has(id)) w.channel.send({ type: "abort", id, reason: serializeError(reason) });
    };
    try {
      if (!w.knownJobs.has(spec.id)) {
        w.channel.send({ type: "job", spec });
        w.knownJobs.add(spec.id);
      }
      let started!: () => void;
      const start = new Promise<void>((resolve) => (started = resolve));
      const outcome = new Promise<ChunkOutcome>((resolve, reject) =>
        w.pending.set(id, { resolve, reject, started }),
      );
      if (this.#recycleAfter !== undefined) {
        outcome.then(
          () => this.#countTasks(w, inputLength(chunk.input)),
          () => {}, // the dispatcher handles the failure
        );
      }
      try {
        w.channel.send({ type: "chunk", id, chunk, reportStart });
      } catch (error) {
        w.pending.delete(id);
        throw error;
      }
      return { outcome, started: start, abort };
    } catch (error) {
      return {
        outcome: Promise.reject(describeSendFailure(spec, chunk, error)),
        started: new Promise(() => {}),
        abort,
      };
    }
  }

  /**
   * Retires a worker that has run its share of tasks, to contain leaks in user code. Whatever it
   * has started since is interrupted and runs again elsewhere, at no cost to its retry budget.
   */
  #countTasks(w: PooledWorker, tasks: number): void {
    w.tasksRun += tasks;
    if (w.tasksRun >= this.#recycleAfter! && this.#slots[w.index] === w) {
      this.restart(w.index, new InterruptedError(`worker ${w.index} retired after ${w.tasksRun} tasks`));
    }
  }

  restart(worker: number, reason: Error): void {
    const w = this.#slots[worker];
    if (!w || w.exited || w.stopReason) return;
    w.stopReason = reason;
    void w.channel.terminate();
  }

  /** Forgetting a broadcast's job stops its replay on workers that come later. */
  forget(jobId: number): void {
    this.#broadcasts = this.#broadcasts.filter(({ spec }) => spec.id !== jobId);
    for (const w of this.#slots) {
      if (w.knownJobs.delete(jobId) && !w.exited) w.channel.send({ type: "forget", jobId });
    }
  }

  /**
   * Ends every worker. One that holds no chunk is asked to close, so it tears down its perWorker
   * values and exits, and is ended if it has not after {@link teardownLimitMs}; one still running
   * a chunk (the pool closed in the middle of a job) is ended at once, without its teardown.
   */
  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(
      this.#slots
        .filter((w) => !w.exited)
        .map((w) => (w.online && w.pending.size === 0 ? closeIdle(w) : w.channel.terminate())),
    );
  }
}

/** How long a worker asked to close may take to tear down its perWorker values before it is ended. */
export const teardownLimitMs = 5_000;

async function closeIdle(w: PooledWorker): Promise<void> {
  const exited = new Promise<void>((resolve) => w.channel.onExit(() => resolve()));
  let timer: NodeJS.Timeout | undefined;
  try {
    w.channel.send({ type: "close" });
    await Promise.race([
      exited,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, teardownLimitMs))),
    ]);
  } catch {
    // The channel is already gone: ending the worker below is all that is left to do.
  } finally {
    clearTimeout(timer);
  }
  await w.channel.terminate();
}

function warnBroadcastFailed(worker: number, why: string): void {
  process.emitWarning(
    `a broadcast call failed on worker ${worker}, which replaced one that stopped: ${why}`,
    {
      code: "WEFT_BROADCAST",
    },
  );
}
