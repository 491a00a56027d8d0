// The names a cluster uses in Redis, all under its prefix, and the messages on its control channel.

/** The BullMQ queue every chunk of the cluster goes through (its keys are `<prefix>:chunks:*`). */
export const chunkQueueName = "chunks";

/** Where coordinators tell workers to abort or stop a chunk, or forget a finished job. */
export const controlChannel = (prefix: string) => `${prefix}:control`;

/** A worker's heartbeat, which expires when the worker stops beating. */
export const workerKey = (prefix: string, id: string) => `${prefix}:workers:${id}`;
export const workerKeyPattern = (prefix: string) => `${prefix}:workers:*`;

export type ControlMessage =
  /** `reason` is the error's name and message, as the task sees them on its signal. */
  | {
      readonly action: "abort" | "stop";
      readonly bullId: string;
      readonly reason: { name: string; message: string };
    }
  | { readonly action: "forget"; readonly coordinator: string; readonly jobId: number };

/** What a cluster worker says about itself every few seconds. */
export interface WorkerBeat {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  /** Chunks it runs at once: its threads. */
  readonly concurrency: number;
  readonly cores: number;
  readonly tasks: readonly string[];
  readonly startedAt: string;
  /** Chunks running now, and finished since it started. */
  readonly running: number;
  readonly done: number;
  readonly failed: number;
}
