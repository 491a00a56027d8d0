// Values a task module sets up once per worker (a model, a database pool, a compiled table) and
// tears down when the pool closes. Defining one only registers it: a worker's runtime sets up
// whatever its thread has registered and not set up yet before each chunk, so a worker that
// replaces a crashed one sets everything up again. One registry per thread, on the global object,
// so a task module that imports another copy of weft registers where the runtime looks.
import { SetupError } from "../errors.ts";

/** A value each worker sets up for itself before it runs its first chunk; read it in tasks. */
export interface PerWorker<T> {
  /** This worker's value. Throws a {@link SetupError} outside a task, where no worker has set it up. */
  readonly value: T;
}

export interface PerWorkerOptions<T> {
  /** Runs in each worker that set the value up, when the pool closes; it may return a promise. */
  readonly teardown?: (value: T) => unknown;
}

interface Entry {
  readonly url: string;
  readonly setup: () => unknown;
  readonly teardown: ((value: never) => unknown) | undefined;
  /** Set while its setup runs, so chunks that arrive meanwhile wait for the same run. */
  running: Promise<void> | undefined;
  ready: boolean;
  value: unknown;
  /** Why its last setup failed, and for which job: that job's chunks do not try again. */
  failure: { readonly error: SetupError; readonly job: object } | undefined;
}

interface Registry {
  readonly entries: Entry[];
  /** Entries not set up: zero on every chunk but a worker's first, which costs one comparison then. */
  unready: number;
}

const globals = globalThis as unknown as Record<symbol, Registry | undefined>;
const registry = (globals[Symbol.for("weft.per-worker")] ??= { entries: [], unready: 0 });

/**
 * Declares a value that every worker sets up once, before its first chunk, by calling `setup`
 * (which may return a promise), and hands to every task it runs as `.value`. A worker that replaces
 * one that crashed or was retired sets it up again. `teardown` runs in each worker that set it up
 * when the pool closes. If `setup` throws, a job whose tasks read the value fails with a
 * {@link SetupError} naming the module, and the next job tries the setup again.
 *
 * @example
 * // tasks.ts
 * import { perWorker, task } from "weft";
 * const words = perWorker(import.meta.url, () => loadDictionary());
 * export const spell = task(import.meta.url, (word: string) => words.value.has(word));
 */
export function perWorker<T>(
  moduleUrl: string,
  setup: () => T | Promise<T>,
  options: PerWorkerOptions<T> = {},
): PerWorker<T> {
  if (typeof setup !== "function") {
    throw new TypeError(`perWorker(): expected a setup function, got ${typeof setup}`);
  }
  if (!/^(file|data|https?):/.test(moduleUrl)) {
    throw new TypeError(
      `perWorker(): the first argument must be the module's URL; pass import.meta.url (got "${moduleUrl}")`,
    );
  }
  if (options.teardown !== undefined && typeof options.teardown !== "function") {
    throw new TypeError(`perWorker(): teardown must be a function, got ${typeof options.teardown}`);
  }
  const entry: Entry = {
    url: moduleUrl,
    setup,
    teardown: options.teardown,
    running: undefined,
    ready: false,
    value: undefined,
    failure: undefined,
  };
  registry.entries.push(entry);
  registry.unready++;
  return {
    get value(): T {
      if (entry.ready) return entry.value as T;
      throw (
        entry.failure?.error ??
        new SetupError(
          `the perWorker value of ${moduleUrl} is not set up here: read .value inside a task, where the ` +
            `worker running it has set the value up before its first chunk`,
        )
      );
    },
  };
}

/**
 * Sets up every value registered in this thread and not set up yet, in the order they were
 * defined, before a chunk of `job` (the job as this worker loaded it) runs; undefined when there is
 * none, so the chunk need not wait a turn. A setup that throws is not fatal here: only a task that
 * reads its value fails (with the {@link SetupError}), and the job's later chunks do not try again.
 */
export function setUpWorker(job: object): Promise<void> | undefined {
  if (registry.unready === 0) return undefined;
  return setUpAll(job);
}

async function setUpAll(job: object): Promise<void> {
  for (const entry of registry.entries) {
    if (entry.ready || entry.failure?.job === job) continue;
    entry.running ??= setUp(entry, job);
    await entry.running;
  }
}

async function setUp(entry: Entry, job: object): Promise<void> {
  try {
    entry.value = await entry.setup();
    entry.ready = true;
    entry.failure = undefined;
    registry.unready--;
  } catch (error) {
    const cause = error instanceof Error ? error : new Error(String(error));
    const message =
      `the perWorker setup of ${entry.url} failed in a worker: ${cause.message}. The job fails: every ` +
      `item on that worker needs the value; the next job sets it up again`;
    const failure = new SetupError(message, { cause });
    // The setup's own stack is the one that says where it broke.
    if (cause.stack) failure.stack = `${failure.name}: ${message}\n    -- setup stack --\n${cause.stack}`;
    entry.failure = { error: failure, job };
  } finally {
    entry.running = undefined;
  }
}

/**
 * Tears down every value this thread set up, the last defined first, and forgets them, so a later
 * chunk sets them up again. A teardown that throws is reported as a process warning: the others
 * still run, and closing goes on.
 */
export async function tearDownWorker(): Promise<void> {
  for (const entry of [...registry.entries].reverse()) {
    if (!entry.ready) continue;
    const { value } = entry;
    entry.ready = false;
    entry.value = undefined;
    registry.unready++;
    try {
      await entry.teardown?.(value as never);
    } catch (error) {
      process.emitWarning(
        `the perWorker teardown of ${entry.url} failed: ${error instanceof Error ? error.message : String(error)}`,
        { code: "WEFT_TEARDOWN" },
      );
    }
  }
}
