// A worker as a pooled backend sees it: a thread or a child process that speaks the runtime protocol.
import type { FromWorker, ToWorker } from "../../protocol/worker-messages.ts";

export interface WorkerChannel {
  /** Throws (a DataCloneError) when the message cannot be copied. */
  send(message: ToWorker): void;
  onMessage(listener: (message: FromWorker) => void): void;
  /** The worker is up and serving. */
  onOnline(listener: () => void): void;
  /** The worker threw outside any task; an exit follows. */
  onError(listener: (error: Error) => void): void;
  /** The worker is gone; `how` says how it ended ("exited with code 3", "was killed by SIGKILL"). */
  onExit(listener: (how: string) => void): void;
  terminate(): Promise<void>;
}

/** Starts the worker for slot `index`. */
export type Spawn = (index: number) => WorkerChannel;

/** What a worker may consume before it is replaced. */
export interface WorkerLimits {
  /** The heap a worker may use, in MB, before it is stopped as out of memory (and replaced). */
  readonly maxHeapMb: number | undefined;
  /** Replace a worker once it has run this many tasks (items). */
  readonly maxTasksPerWorker: number | undefined;
  /** The size of each half of the worker's young generation (V8's semi-space), in MB; undefined: V8's. */
  readonly semiSpaceMb: number | undefined;
}
