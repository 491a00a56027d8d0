// weft's public API, in one place.
// Values here are only what a task module needs (task, taskSignal, the errors) and weft(), which loads
// the engine when called: every worker imports this module again through its task modules.
export { weft } from "./pool/weft.ts";
export type { Pool } from "./pool/pool.ts";
export type { WeftOptions, BackendName } from "./pool/options.ts";
export type { RedisOptions } from "./backends/redis/connection.ts";
export { task, type Task, type TaskLike } from "./task/task.ts";
export { taskSignal } from "./runtime/signal.ts";
export { perWorker, type PerWorker, type PerWorkerOptions } from "./task/per-worker.ts";
export { transfer } from "./task/transfer.ts";
export type { Collection } from "./pool/collection.ts";
export type { Future, FutureArgs, Completed } from "./futures/future.ts";
export type { Actor, ActorOptions } from "./actors/actor.ts";
export type { ChunkBounds } from "./scheduler/chunking.ts";
export type {
  ChunkRecord,
  Progress,
  JobRecord,
  RetryRecord,
  RestartRecord,
  PoolEvents,
  PoolEventEmitter,
} from "./events/events.ts";
export type { TypedArray } from "./protocol/plan.ts";
export {
  WeftError,
  TaskError,
  CloneError,
  CapturedVariableError,
  TaskDefinitionError,
  OptionError,
  PoolClosedError,
  PoolInWorkerError,
  EmptyReduceError,
  WorkerError,
  WorkerCrashedError,
  SetupError,
  ActorDiedError,
  PoisonTaskError,
  AbortError,
  TimeoutError,
  InterruptedError,
} from "./errors.ts";
export type { RetryPolicy, RetryOption } from "./scheduler/retry.ts";
export type { JobOptions, ErrorPolicy, Settled, Outcome, RateLimit } from "./pool/collection.ts";
export type { Failure } from "./jobs/collection-job.ts";
export type { SettledItem } from "./jobs/outputs.ts";
export type { CallOptions } from "./pool/pool.ts";
export type { ReadOptions, CsvOptions, ParquetOptions } from "./pool/file-inputs.ts";
export type { PartitionFields, PartitionValue } from "./protocol/files.ts";
export type { WriteSummary } from "./jobs/sink-output.ts";
export type { CsvSinkOptions, ParquetSinkOptions, SinkOptions } from "./pool/sink-options.ts";
export type { KeyedOptions, SortOptions } from "./pool/shuffle.ts";
export type { TaskOptions } from "./task/task.ts";
