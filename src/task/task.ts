// Task definitions: a function plus where a worker finds it again, the URL of its module and its
// place among the tasks that module defines. A worker imports the module, which defines its tasks
// in the same order, and takes the one at that place: no export needs to be looked up, so a module
// that is still running its top-level code (the script that starts the pool) serves its tasks too.
import { OptionError } from "../errors.ts";
import { resolveRetry, type RetryOption, type RetryPolicy } from "../scheduler/retry.ts";

/** A function that workers can run: defined with {@link task} in a module. */
export type Task<A extends unknown[] = never[], R = unknown> = ((...args: A) => R) & {
  readonly [taskBrand]: true;
};

declare const taskBrand: unique symbol;

/** Anything a job accepts as a task: a {@link Task}, or (local backends only) a self-contained inline function. */
export type TaskLike<A extends unknown[], R> = Task<A, R> | ((...args: A) => R);

/** Options a task carries into every job that runs it. */
export interface TaskOptions {
  /** Retries for items on which this task throws, overriding the job's. @default the job's policy */
  readonly retries?: RetryOption;
  /**
   * For an async task (one that waits on I/O): how many items of a chunk, or calls, one worker runs
   * at once. Results still come back in input order. A job's own `concurrency` wins. @default 1
   */
  readonly concurrency?: number;
}

/** The most items one worker may run at once: beyond it, a worker only piles up promises. */
export const maxConcurrency = 10_000;

/** A `concurrency` option, checked. */
export function resolveConcurrency(value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > maxConcurrency) {
    throw new OptionError(
      `concurrency must be a whole number from 1 to ${maxConcurrency} (items one worker runs at once), got ${typeof value === "string" ? `"${value}"` : String(value)}`,
    );
  }
  return value;
}

/** Where a task was defined: its module, and how many tasks that module had defined before it. */
export interface TaskPlace {
  readonly url: string;
  readonly index: number;
}

interface Registry {
  readonly placeOfTask: WeakMap<object, TaskPlace>;
  readonly optionsOfTask: WeakMap<object, RetryPolicy>;
  readonly concurrencyOfTask: WeakMap<object, number>;
  /** Each module's tasks in the order it defined them, in this thread. */
  readonly tasksOfModule: Map<string, ((...args: never[]) => unknown)[]>;
}

/**
 * One registry per thread, even if two copies of weft are loaded (a task module that imports another
 * install of it): the worker's runtime must find the tasks the module defined with its copy.
 */
const globals = globalThis as unknown as Record<symbol, Registry | undefined>;
const newRegistry = (): Registry => ({
  placeOfTask: new WeakMap(),
  optionsOfTask: new WeakMap(),
  concurrencyOfTask: new WeakMap(),
  tasksOfModule: new Map(),
});
const { placeOfTask, optionsOfTask, concurrencyOfTask, tasksOfModule } = (globals[
  Symbol.for("weft.task-registry")
] ??= newRegistry());

/**
 * Declares `fn` as a task of the module at `moduleUrl`. A worker imports that module by its URL and
 * runs the same function: `.ts` and `.js` modules both work without a build step, and the module
 * may be the script that starts the pool. Define tasks at the top level of the module, so that
 * every worker defines the same tasks in the same order.
 *
 * @example
 * // tasks.ts
 * import { task } from "weft";
 * export const isPrime = task(import.meta.url, (n: number) => { ... });
 */
export function task<A extends unknown[], R>(
  moduleUrl: string,
  fn: (...args: A) => R,
  options: TaskOptions = {},
): Task<A, R> {
  if (typeof fn !== "function") throw new TypeError(`task(): expected a function, got ${typeof fn}`);
  if (!/^(file|data|https?):/.test(moduleUrl)) {
    throw new TypeError(
      `task(): the first argument must be the module's URL; pass import.meta.url (got "${moduleUrl}")`,
    );
  }
  // Checked before the task takes a place, so a refused definition leaves no trace.
  const retries = options.retries === undefined ? undefined : resolveRetry(options.retries);
  const concurrency = options.concurrency === undefined ? undefined : resolveConcurrency(options.concurrency);
  let defined = tasksOfModule.get(moduleUrl);
  if (!defined) tasksOfModule.set(moduleUrl, (defined = []));
  // A function given twice keeps its first place; the second call still takes a place, as it does in a worker.
  if (!placeOfTask.has(fn)) placeOfTask.set(fn, { url: moduleUrl, index: defined.length });
  defined.push(fn);
  if (retries !== undefined) optionsOfTask.set(fn, retries);
  if (concurrency !== undefined) concurrencyOfTask.set(fn, concurrency);
  return fn as Task<A, R>;
}

/**
 * Gives `fn` a place chosen by its definer rather than by the order of definitions: weft's own tasks
 * (builtin-tasks.ts). The place keeps the first function defined there, as a module defined again would.
 */
export function placeTask(fn: (...args: never[]) => unknown, place: TaskPlace): void {
  placeOfTask.set(fn, place);
  let defined = tasksOfModule.get(place.url);
  if (!defined) tasksOfModule.set(place.url, (defined = []));
  defined[place.index] ??= fn;
}

/** The retry policy `fn` was defined with, if any. */
export function taskRetryOf(fn: unknown): RetryPolicy | undefined {
  return typeof fn === "function" ? optionsOfTask.get(fn) : undefined;
}

/** The concurrency `fn` was defined with, if any. */
export function taskConcurrencyOf(fn: unknown): number | undefined {
  return typeof fn === "function" ? concurrencyOfTask.get(fn) : undefined;
}

/** Where `fn` was defined with {@link task}, or undefined for a plain function. */
export function placeOf(fn: object): TaskPlace | undefined {
  return placeOfTask.get(fn);
}

/** The tasks the module at `url` has defined in this thread so far, in order. */
export function tasksDefinedBy(url: string): readonly ((...args: never[]) => unknown)[] {
  return tasksOfModule.get(url) ?? [];
}
