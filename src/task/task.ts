// Task definitions: a function plus the URL of the module that exports it, so a worker can import it.
import { resolveRetry, type RetryOption, type RetryPolicy } from "../scheduler/retry.ts";

/** A function that workers can run: defined with {@link task} in a module that exports it. */
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

const moduleOfTask = new WeakMap<object, string>();
const optionsOfTask = new WeakMap<object, RetryPolicy>();

/**
 * Declares `fn` as a task of the module at `moduleUrl`. Export the result; a worker imports the
 * module by its URL and runs the export. `.ts` and `.js` modules both work without a build step.
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
  moduleOfTask.set(fn, moduleUrl);
  if (options.retries !== undefined) optionsOfTask.set(fn, resolveRetry(options.retries));
  return fn as Task<A, R>;
}

/** The retry policy `fn` was defined with, if any. */
export function taskRetryOf(fn: unknown): RetryPolicy | undefined {
  return typeof fn === "function" ? optionsOfTask.get(fn) : undefined;
}

/** The URL of the module that defined `fn` with {@link task}, or undefined for a plain function. */
export function moduleUrlOf(fn: object): string | undefined {
  return moduleOfTask.get(fn);
}
