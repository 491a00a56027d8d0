// worker_threads backend: one thread per worker, chunks and outcomes as messages.
import { Worker } from "node:worker_threads";
import { CloneError, WorkerError } from "../../errors.ts";
import type { Chunk, ChunkOutcome, JobSpec } from "../../plan/plan.ts";
import { cloneAdvice, firstUncloneable } from "../../runtime/clone-check.ts";
import type { FromWorker, ToWorker } from "../../runtime/protocol.ts";
import type { Backend } from "../backend.ts";

// Built, the entry is worker.js. Run from TypeScript sources (tests, tsx), it is worker.ts, and since
// Node 20 does not pass `--import` loaders on to worker threads, a one-line bootstrap registers tsx first.
const runningFromSource = import.meta.url.endsWith(".ts");
const entry = new URL(runningFromSource ? "./worker.ts" : "./worker.js", import.meta.url);
const sourceBootstrap = `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))})
  .then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;

function startThread(name: string): Worker {
  return runningFromSource ? new Worker(sourceBootstrap, { eval: true, name }) : new Worker(entry, { name });
}

let liveThreads = 0;

/** Threads started by any threads backend and not yet exited; tests check it returns to zero. */
export function liveThreadCount(): number {
  return liveThreads;
}

interface Pending {
  resolve(outcome: ChunkOutcome): void;
  reject(error: Error): void;
}

class ThreadWorker {
  readonly thread: Worker;
  readonly pending = new Map<number, Pending>();
  readonly knownJobs = new Set<number>();
  exited = false;

  constructor(readonly index: number) {
    liveThreads++;
    this.thread = startThread(`weft-worker-${index}`);
    this.thread.on("message", (message: FromWorker) => this.#receive(message));
    this.thread.on("error", (error) =>
      this.#failAll(new WorkerError(`worker ${index} failed: ${error.message}`, { cause: error })),
    );
    this.thread.once("exit", (code) => {
      liveThreads--;
      this.exited = true;
      this.#failAll(new WorkerError(`worker ${index} exited with code ${code} while running a chunk`));
    });
  }

  #receive(message: FromWorker): void {
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    if (message.type === "outcome") pending.resolve(message.outcome);
    else if (message.reason === "clone") pending.reject(new CloneError(message.error.message));
    else pending.reject(new WorkerError(message.error.message));
  }

  #failAll(error: Error): void {
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}

export class ThreadsBackend implements Backend {
  readonly name = "threads";
  readonly acceptsInline = true;
  readonly copiesValues = true;
  readonly #workers: ThreadWorker[];
  #nextId = 0;

  private constructor(workers: ThreadWorker[]) {
    this.#workers = workers;
  }

  /** Starts `count` threads and waits until each is running. */
  static async start(count: number): Promise<ThreadsBackend> {
    const workers = Array.from({ length: count }, (_, i) => new ThreadWorker(i));
    const backend = new ThreadsBackend(workers);
    try {
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve, reject) => {
              w.thread.once("online", resolve);
              w.thread.once("error", reject);
            }),
        ),
      );
    } catch (error) {
      await backend.close();
      throw new WorkerError(`could not start worker threads: ${(error as Error).message}`, { cause: error });
    }
    return backend;
  }

  get workers(): number {
    return this.#workers.length;
  }

  run(worker: number, spec: JobSpec, chunk: Chunk): Promise<ChunkOutcome> {
    const w = this.#workers[worker];
    if (!w || w.exited) return Promise.reject(new WorkerError(`worker ${worker} is not running`));
    try {
      if (!w.knownJobs.has(spec.id)) {
        this.#post(w, { type: "job", spec });
        w.knownJobs.add(spec.id);
      }
      const id = this.#nextId++;
      const settled = new Promise<ChunkOutcome>((resolve, reject) => w.pending.set(id, { resolve, reject }));
      try {
        this.#post(w, { type: "chunk", id, chunk });
      } catch (error) {
        w.pending.delete(id);
        throw error;
      }
      return settled;
    } catch (error) {
      return Promise.reject(describeSendFailure(spec, chunk, error));
    }
  }

  #post(w: ThreadWorker, message: ToWorker): void {
    w.thread.postMessage(message);
  }

  forget(jobId: number): void {
    for (const w of this.#workers) {
      if (!w.knownJobs.delete(jobId) || w.exited) continue;
      this.#post(w, { type: "forget", jobId });
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.filter((w) => !w.exited).map((w) => w.thread.terminate()));
  }
}

function describeSendFailure(spec: JobSpec, chunk: Chunk, error: unknown): Error {
  if (!(error instanceof Error) || error.name !== "DataCloneError") return error as Error;
  if (chunk.input.kind === "items") {
    const culprit = firstUncloneable(chunk.input.items);
    if (culprit) {
      return new CloneError(
        `input item ${chunk.start + culprit.index} cannot be sent to a worker: ${culprit.description}; ${cloneAdvice}`,
        { cause: error },
      );
    }
  }
  const zero = spec.terminal.op === "fold" ? " (check fold's initial value)" : "";
  return new CloneError(`a job's input cannot be sent to a worker${zero}: ${error.message}; ${cloneAdvice}`, {
    cause: error,
  });
}
