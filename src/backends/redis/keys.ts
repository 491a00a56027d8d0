// The names a cluster uses in Redis, all under its prefix, and the messages on its control channel.
// A prefix holds no `:` (connection.ts checks it), so no prefix's keys can be another prefix's.

/**
 * The queue every chunk of the cluster goes through, oldest at its right end, where workers take from
 * (queue-entries.ts says what an entry holds). Its length is the cluster's backlog, what an autoscaler reads.
 */
export const queueKey = (prefix: string) => `${prefix}:chunks:wait`;

/** Where coordinators tell workers to abort or stop a chunk, or forget a finished job. */
export const controlChannel = (prefix: string) => `${prefix}:control`;

/**
 * The chunks a worker has taken and not yet answered: each moves here from the queue in one command
 * (so none is ever in neither), and leaves as its reply is sent. It is the worker's lease: when the
 * worker dies, its coordinators find their chunks here and send them again.
 */
export const takenKey = (prefix: string, worker: string) => `${prefix}:workers:${worker}:taken`;

/** A worker's heartbeat, which expires when the worker stops beating. */
export const workerKey = (prefix: string, id: string) => `${prefix}:workers:${id}`;
/** The ids of the workers that have announced themselves; an id whose heartbeat expired is dropped by its readers. */
export const workerSet = (prefix: string) => `${prefix}:workers`;

/** A worker's inbox: the calls coordinators send it by itself (broadcasts, an actor's calls), oldest first. */
export const inboxKey = (prefix: string, worker: string) => `${prefix}:workers:${worker}:inbox`;

/** A coordinator's heartbeat (a pool on the cluster), which expires when it stops beating. */
export const coordinatorKey = (prefix: string, id: string) => `${prefix}:coordinators:${id}`;
/** The ids of the coordinators that have announced themselves; an id whose heartbeat expired is dropped by its readers. */
export const coordinatorSet = (prefix: string) => `${prefix}:coordinators`;
/** Where workers answer a coordinator's chunks: that they started, and how they ended. */
export const repliesKey = (prefix: string, coordinator: string) =>
  `${prefix}:coordinators:${coordinator}:replies`;

/** Where workers answer the calls a coordinator sent them by themselves. */
export const answersKey = (prefix: string, coordinator: string) =>
  `${prefix}:coordinators:${coordinator}:answers`;

/**
 * The broadcasts of the cluster's coordinators, by `<coordinator>:<its job id>`, each a direct call
 * for every thread: a worker that joins runs those of the coordinators still there before its first
 * chunk. A coordinator removes its own as it closes; a worker that finds one of a coordinator that is
 * gone removes it.
 */
export const broadcastsKey = (prefix: string) => `${prefix}:broadcasts`;

/** A resumable job's ledger (ledgers.ts), by the name the job was given. */
export const ledgerKey = (prefix: string, name: string) => `${prefix}:ledgers:${name}`;

/**
 * A channel each coordinator and worker subscribes to while it runs: Redis drops the subscription as
 * soon as the process's connection closes, so `PUBSUB NUMSUB` tells within a moment that it died.
 */
export const presenceChannel = (prefix: string, id: string) => `${prefix}:presence:${id}`;

export type ControlMessage =
  /** `reason` is the error's name and message, as the task sees them on its signal. */
  | {
      readonly action: "abort" | "stop";
      readonly chunkId: string;
      readonly reason: { readonly name: string; readonly message: string };
    }
  | { readonly action: "forget"; readonly coordinator: string; readonly jobId: number };

/** The Redis primary a process is connected to (`host:port`), and since when (ISO time). */
export interface RedisPrimary {
  readonly address: string;
  readonly since: string;
}

/** What a cluster worker says about itself every few seconds. */
export interface WorkerBeat {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  /** Chunks it runs at once: its threads. */
  readonly concurrency: number;
  readonly cores: number;
  /** The heap each of its threads may use, in MB. */
  readonly maxHeapMb: number;
  readonly tasks: readonly string[];
  readonly startedAt: string;
  /** Chunks running now, and finished since it started. */
  readonly running: number;
  readonly done: number;
  readonly failed: number;
  /** Chunks it took and did not run: their coordinator was gone, or had stopped them. */
  readonly skipped: number;
  /** Jobs it keeps loaded tasks for, of coordinators still there. */
  readonly jobs: number;
  readonly redis?: RedisPrimary;
}

/** What a coordinator writes under its heartbeat key. */
export interface CoordinatorBeat {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  readonly startedAt: string;
  readonly redis?: RedisPrimary;
}
