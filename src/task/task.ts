// Task definitions: a function plus the URL of the module that exports it, so a worker can import it.

/** A function that workers can run: defined with {@link task} in a module that exports it. */
export type Task<A extends unknown[] = never[], R = unknown> = ((...args: A) => R) & {
  readonly [taskBrand]: true;
};

declare const taskBrand: unique symbol;

/** Anything a job accepts as a task: a {@link Task}, or (local backends only) a self-contained inline function. */
export type TaskLike<A extends unknown[], R> = Task<A, R> | ((...args: A) => R);

const moduleOfTask = new WeakMap<object, string>();

/**
 * Declares `fn` as a task of the module at `moduleUrl`. Export the result; a worker imports the
 * module by its URL and runs the export. `.ts` and `.js` modules both work without a build step.
 *
 * @example
 * // tasks.ts
 * import { task } from "weft";
 * export const isPrime = task(import.meta.url, (n: number) => { ... });
 */
export function task<A extends unknown[], R>(moduleUrl: string, fn: (...args: A) => R): Task<A, R> {
  if (typeof fn !== "function") throw new TypeError(`task(): expected a function, got ${typeof fn}`);
  if (!/^(file|data|https?):/.test(moduleUrl)) {
    throw new TypeError(
      `task(): the first argument must be the module's URL; pass import.meta.url (got "${moduleUrl}")`,
    );
  }
  moduleOfTask.set(fn, moduleUrl);
  return fn as Task<A, R>;
}

/** The URL of the module that defined `fn` with {@link task}, or undefined for a plain function. */
export function moduleUrlOf(fn: object): string | undefined {
  return moduleOfTask.get(fn);
}
