// Every error weft throws, in one catalogue. Each says what failed, where, and what to do.

/** Base class of every error weft throws; `instanceof WeftError` separates them from user errors. */
export class WeftError extends Error {
  override name = "WeftError";
}

/** Where a failing item sat in its job, as the worker saw it. */
export interface ItemLocation {
  /** The task that threw, as `export name (module URL)` or `inline function name`. */
  readonly task: string;
  /** Index of the item in the job's input (for `submit`, the call's sequence number). */
  readonly index: number;
  /** A short, printable preview of the item's value. */
  readonly preview: string;
  /** For an item read from a file (`pool.readLines` and the like): the file; `index` then numbers its byte range. */
  readonly file?: string;
  /** The item's line in `file`, from 1 (for a CSV record, the line it ends on), when known. */
  readonly line?: number;
}

/** Where an item is, as an error message says it: `data/a.log:17`, or `item 3`. */
export function itemPlace(where: ItemLocation): string {
  if (where.file === undefined) return `item ${where.index}`;
  return where.line === undefined ? where.file : `${where.file}:${where.line}`;
}

/**
 * A task threw (or rejected) on one item. The job is rejected with it and its remaining work
 * is cancelled; the pool stays usable. `cause` is the task's own error, rebuilt with the
 * worker's original stack.
 */
export class TaskError extends WeftError {
  override name = "TaskError";
  readonly task: string;
  readonly index: number;
  readonly preview: string;
  readonly file: string | undefined;
  readonly line: number | undefined;
  /** The error of every attempt, first to last, when the item was retried; `cause` is the last. */
  attempts: readonly Error[];

  /** @internal weft throws these; catch them. */
  constructor(where: ItemLocation, cause: Error) {
    super(`task ${where.task} failed on ${itemPlace(where)} (${where.preview}): ${cause.message}`, { cause });
    this.task = where.task;
    this.index = where.index;
    this.preview = where.preview;
    this.file = where.file;
    this.line = where.line;
    this.attempts = [cause];
    if (cause.stack) this.stack = `${this.name}: ${this.message}\n    -- worker stack --\n${cause.stack}`;
  }
}

/** A value could not be copied to or from a worker (functions, class instances with native state, sockets...). */
export class CloneError extends WeftError {
  override name = "CloneError";
}

/** An inline function used a variable from its surroundings, which a worker cannot see. */
export class CapturedVariableError extends WeftError {
  override name = "CapturedVariableError";
  readonly variables: readonly string[];

  /** @internal weft throws these; catch them. */
  constructor(functionName: string, variables: readonly string[]) {
    const list = variables.map((v) => `'${v}'`).join(", ");
    super(
      `inline function ${functionName} uses ${list} from its surroundings, which a worker cannot see. ` +
        `Move the function into a task module (export const f = task(import.meta.url, ...)) ` +
        `and import what it needs there, or pass the value in as input.`,
    );
    this.variables = variables;
  }
}

/** A function cannot be used as a task: not defined with task(), native, or not parseable. */
export class TaskDefinitionError extends WeftError {
  override name = "TaskDefinitionError";
}

/**
 * `weft()` was called from a task, on a worker: weft starts no pool inside a pool. (A script that
 * defines tasks and starts its pool is loaded by every worker for its tasks; there, its `weft()` call
 * simply stops the script, with no error.)
 */
export class PoolInWorkerError extends WeftError {
  override name = "PoolInWorkerError";
  constructor() {
    super(
      "weft() does not start a pool inside a weft worker: a task that needs more parallelism should be " +
        "split into more items of the job that runs it, or submit() from the pool's own thread",
    );
  }
}

/** A bad option or argument; the message names it and the accepted values. */
export class OptionError extends WeftError {
  override name = "OptionError";
}

/** The pool was closed while the job was pending, or a job was started on a closed pool. */
export class PoolClosedError extends WeftError {
  override name = "PoolClosedError";
  constructor() {
    super("the pool is closed: create a new one with weft() to run more work");
  }
}

/** `reduce` without an initial value on an empty collection, like `[].reduce(f)`. */
export class EmptyReduceError extends WeftError {
  override name = "EmptyReduceError";
  constructor() {
    super("reduce of an empty collection with no initial value: pass an initial value, or use fold()");
  }
}

/** A worker failed outside any task: it could not start, load a task module, or it exited. */
export class WorkerError extends WeftError {
  override name = "WorkerError";
}

/**
 * A {@link perWorker} value could not be set up in a worker (its setup function threw), or was read
 * where no worker had set it up. The job fails at once: a setup is not retried as an item is, since
 * every chunk on that worker would need it.
 */
export class SetupError extends WeftError {
  override name = "SetupError";
}

/**
 * A worker died while running a chunk: it exited, threw outside any task, or ran out of memory.
 * The worker is replaced and the chunk runs again elsewhere; a job sees this error only when the
 * same chunk keeps killing workers ({@link PoisonTaskError}).
 */
export class WorkerCrashedError extends WeftError {
  override name = "WorkerCrashedError";
}

/**
 * An actor's worker died (or the actor was stopped): the calls waiting on it, and every call made
 * after, reject with this. An actor started with `{ restart: true }` is made again on the worker that
 * replaced it, from its factory and arguments, and only the calls already sent are lost.
 */
export class ActorDiedError extends WeftError {
  override name = "ActorDiedError";
}

/** A chunk killed a worker every time it ran; it is not tried again, so it cannot crash-loop. */
export class PoisonTaskError extends WeftError {
  override name = "PoisonTaskError";
  readonly crashes: readonly Error[];

  /** @internal weft throws these; catch them. */
  constructor(what: string, crashes: readonly Error[]) {
    super(
      `${what} crashed its worker ${crashes.length} times, so it is not tried again: ` +
        `${crashes.at(-1)?.message ?? ""}. Look for process.exit, native crashes or unbounded memory in the task.`,
      { cause: crashes.at(-1) },
    );
    this.crashes = crashes;
  }
}

/** The job or future was cancelled through its AbortSignal. `cause` is the signal's reason. */
export class AbortError extends WeftError {
  override name = "AbortError";
  constructor(reason: unknown) {
    super(`cancelled: ${reason instanceof Error ? reason.message : String(reason)}`, { cause: reason });
  }
}

/** A chunk ran past its `timeout`. Retried under the job's retry policy like a task error. */
export class TimeoutError extends WeftError {
  override name = "TimeoutError";
}

/**
 * A chunk was waiting on a worker that was stopped because of another chunk (a crash, a
 * deadline, a cancellation). It runs again elsewhere, and this does not count as its failure.
 */
export class InterruptedError extends WeftError {
  override name = "InterruptedError";
}

/**
 * The weft service (`weft serve`) answered a request of the client (`weft/client`) with an error:
 * `status` is the HTTP status, `code` and the message the service's own (`unknown_task`, `not_found`,
 * `unauthorized`...; docs/service.md lists them). An answer that is not the service's error shape (a
 * proxy's page) has the code `http_<status>`.
 */
export class ServiceError extends WeftError {
  override name = "ServiceError";
  readonly status: number;
  readonly code: string;

  /** @internal the client throws these; catch them. */
  constructor(status: number, code: string, message: string) {
    super(`${message} (HTTP ${status}, ${code})`);
    this.status = status;
    this.code = code;
  }
}

/**
 * The client (`weft/client`) got no answer it could read from the service at `url`: the connection
 * failed (refused, reset, a name that does not resolve, TLS), or what came back was not the service's
 * JSON. `cause` is the underlying failure.
 */
export class ServiceUnreachableError extends WeftError {
  override name = "ServiceUnreachableError";
  readonly url: string;

  /** @internal the client throws these; catch them. */
  constructor(url: string, cause: unknown) {
    super(
      cause instanceof SyntaxError
        ? `the answer from ${url} is not the JSON a weft service sends (${cause.message}): is weft serve at that address?`
        : `cannot reach the weft service at ${url} (${failureOf(cause)}): is weft serve running there?`,
      { cause },
    );
    this.url = url;
  }
}

/** What a failed fetch says went wrong: undici wraps the socket's error (ECONNREFUSED...) as its cause. */
function failureOf(error: unknown): string {
  const cause = (error as { cause?: { message?: string; code?: string } } | undefined)?.cause;
  return cause?.message || cause?.code || (error instanceof Error ? error.message : String(error));
}

/**
 * A job's result was asked for (`weft/client`'s `result()`) before the job completed, or of a job that
 * never will: it is queued or running (wait for it with `waitFor()`), or it failed, was cancelled or
 * interrupted (its `error` says why). `job` is the job as the service showed it.
 */
export class JobNotCompletedError extends WeftError {
  override name = "JobNotCompletedError";
  readonly job: { readonly id: string; readonly state: string; readonly error?: string };

  /** @internal the client throws these; catch them. */
  constructor(job: { readonly id: string; readonly state: string; readonly error?: string }) {
    super(
      job.state === "queued" || job.state === "running"
        ? `job ${job.id} is ${job.state}: its result exists once it is completed`
        : job.state === "failed"
          ? `job ${job.id} failed: ${job.error ?? "no reason given"}`
          : `job ${job.id} was ${job.state}${job.error ? `: ${job.error}` : ""}, so it has no result`,
    );
    this.job = job;
  }
}
