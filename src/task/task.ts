// Task definitions: a function plus where a worker finds it again, the URL of its module and its
// place among the tasks that module defines. A worker imports the module, which defines its tasks
// in the same order, and takes the one at that place: no export needs to be looked up, so a module
// that is still running its top-level code (the script that starts the pool) serves its tasks too.
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
}

/** Where a task was defined: its module, and how many tasks that module had defined before it. */
export interface TaskPlace {
  readonly url: string;
  readonly index: number;
}

interface Registry {
  readonly placeOfTask: WeakMap<object, TaskPlace>;
  readonly optionsOfTask: WeakMap<object, RetryPolicy>;
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
  tasksOfModule: new Map(),
});
const { placeOfTask, optionsOfTask, tasksOfModule } = (globals[Symbol.for("weft.task-registry")] ??=
  newRegistry());

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
  let defined = tasksOfModule.get(moduleUrl);
  if (!defined) tasksOfModule.set(moduleUrl, (defined = []));
  // A function given twice keeps its first place; the second call still takes a place, as it does in a worker.
  if (!placeOfTask.has(fn)) placeOfTask.set(fn, { url: moduleUrl, index: defined.length });
  defined.push(fn);
  if (options.retries !== undefined) optionsOfTask.set(fn, resolveRetry(options.retries));
  return fn as Task<A, R>;
}

/** The retry policy `fn` was defined with, if any. */
export function taskRetryOf(fn: unknown): RetryPolicy | undefined {
  return typeof fn === "function" ? optionsOfTask.get(fn) : undefined;
}

/** Where `fn` was defined with {@link task}, or undefined for a plain function. */
export function placeOf(fn: object): TaskPlace | undefined {
  return placeOfTask.get(fn);
}

/** The tasks the module at `url` has defined in this thread so far, in order. */
export function tasksDefinedBy(url: string): readonly ((...args: never[]) => unknown)[] {
  return tasksOfModule.get(url) ?? [];
}
