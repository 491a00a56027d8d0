// The jobs waiting for a place and the ones running: a few run at once, in the order they came; each
// has a deadline, and can be stopped (cancelled, past its deadline, the server stopping). A job's
// life from start to end is recorded through the recorder.
import type { JobDefinition } from "../api/types.ts";
import { publicMessage } from "./errors.ts";
import type { Recorder } from "./recorder.ts";
import type { Outcome } from "./runners/runner.ts";

export interface RunQueueSettings {
  /** Jobs that run at once; the others wait, queued. */
  readonly maxRunning: number;
  /** The longest a job may run, in ms; past it the job fails. */
  readonly jobTimeoutMs: number;
}

export interface RunQueueParts {
  readonly recorder: Recorder;
  /** A queued job's definition, from the store. */
  definitionOf(id: string): Promise<JobDefinition>;
  /** Runs a job to its outcome; it rejects (an AbortError) once `signal` is aborted. */
  run(id: string, definition: JobDefinition, signal: AbortSignal): Promise<Outcome>;
  /** A job stopped running, whatever its end. */
  ended(id: string): void;
}

/**
 * Why a running job was stopped before its end; "lost": this process no longer holds its lease (it
 * was cancelled through another replica, or taken over by one after a renewal came too late).
 */
type StopReason = "cancelled" | "deadline" | "closing" | "lost";

/** A service job that runs: how to stop it, and its end. */
interface RunningJob {
  readonly controller: AbortController;
  /** What runs, for the task stream's colours: the workload or task name, once its definition is read. */
  task?: string;
  done: Promise<void>;
  stopped?: StopReason;
  /** Whether its start is recorded: from then on this process holds its lease. */
  started?: boolean;
}

export class RunQueue {
  readonly #settings: RunQueueSettings;
  readonly #parts: RunQueueParts;
  readonly #waiting: string[] = [];
  readonly #running = new Map<string, RunningJob>();
  #draining = false;

  constructor(settings: RunQueueSettings, parts: RunQueueParts) {
    this.#settings = settings;
    this.#parts = parts;
  }

  /** Queues a job the store holds as queued, and starts it if there is a place. */
  enqueue(id: string): void {
    this.#waiting.push(id);
    this.#startWaiting();
  }

  /** Takes a cancelled job out of the queue, or stops it if it runs. */
  cancel(id: string): void {
    const at = this.#waiting.indexOf(id);
    if (at >= 0) this.#waiting.splice(at, 1);
    this.#stop(id, "cancelled", new Error("cancelled through the API"));
  }

  /** Whether job `id` waits or runs here. */
  knows(id: string): boolean {
    return this.#running.has(id) || this.#waiting.includes(id);
  }

  /** The jobs running here whose start is recorded: those whose leases this process holds. */
  held(): string[] {
    return [...this.#running].filter(([, running]) => running.started).map(([id]) => id);
  }

  /** Stops job `id`, whose lease this process lost, recording nothing: whoever holds it now records its end. */
  lose(id: string): void {
    this.#stop(id, "lost", new Error("this replica no longer holds the job's lease"));
  }

  /** The workload or task a running job runs. */
  taskOf(id: string): string | undefined {
    return this.#running.get(id)?.task;
  }

  /**
   * Starts no waiting job from now on, and resolves once every running job has ended or `timeoutMs`
   * has passed, whichever comes first: a server being stopped lets its jobs finish.
   */
  async drain(timeoutMs: number): Promise<void> {
    this.#draining = true;
    const ending = Promise.allSettled([...this.#running.values()].map((r) => r.done));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([ending, late]);
    clearTimeout(timer);
  }

  /** Jobs running now. */
  get running(): number {
    return this.#running.size;
  }

  /** Stops what runs and forgets what waits (the next server on the store takes both over). */
  async close(): Promise<void> {
    this.#waiting.length = 0;
    const running = [...this.#running.entries()];
    for (const [id] of running) this.#stop(id, "closing", new Error("the server is stopping"));
    await Promise.allSettled(running.map(([, r]) => r.done));
  }

  #stop(id: string, reason: StopReason, error: Error): void {
    const running = this.#running.get(id);
    if (!running || running.stopped) return;
    running.stopped = reason;
    running.controller.abort(error);
  }

  #startWaiting(): void {
    void this.#parts.recorder.flush();
    while (!this.#draining && this.#running.size < this.#settings.maxRunning && this.#waiting.length > 0) {
      const id = this.#waiting.shift()!;
      const running: RunningJob = { controller: new AbortController(), done: Promise.resolve() };
      this.#running.set(id, running);
      running.done = this.#life(id, running);
    }
  }

  /** A job from its start to its end, recorded; it never rejects. */
  async #life(id: string, running: RunningJob): Promise<void> {
    const { recorder } = this.#parts;
    const { signal } = running.controller;
    const deadline = setTimeout(
      () => this.#stop(id, "deadline", new Error("the job ran past its deadline")),
      this.#settings.jobTimeoutMs,
    );
    try {
      let definition: JobDefinition;
      try {
        definition = await this.#parts.definitionOf(id);
      } catch (error) {
        await recorder.fail(id, error);
        return;
      }
      running.task = taskName(definition);
      if (!(await recorder.record(id, (store) => store.start(id)))) return;
      running.started = true;
      try {
        const { summary, entries } = await this.#parts.run(id, definition, signal);
        if (!signal.aborted) await recorder.record(id, (store) => store.complete(id, summary, entries));
        else await this.#recordStopped(id, running.stopped);
      } catch (error) {
        if (!signal.aborted) await recorder.record(id, (store) => store.fail(id, publicMessage(error)));
        else await this.#recordStopped(id, running.stopped);
      }
    } finally {
      clearTimeout(deadline);
      this.#running.delete(id);
      this.#parts.ended(id);
      this.#startWaiting();
    }
  }

  /**
   * A cancelled job is already recorded as such, a stopping server leaves its jobs to the next one,
   * and a lost job's end is for the replica that holds it now.
   */
  async #recordStopped(id: string, reason: StopReason | undefined): Promise<void> {
    if (reason !== "deadline") return;
    const seconds = this.#settings.jobTimeoutMs / 1000;
    const message = `the job ran past the service's limit of ${seconds} s per job (weft serve --job-timeout)`;
    await this.#parts.recorder.record(id, (store) => store.fail(id, message));
  }
}

function taskName(definition: JobDefinition): string {
  return definition.type === "workload"
    ? definition.workload
    : definition.type === "task"
      ? definition.task
      : "bench";
}
