// weft's own tasks (the actors' start, call and stop), which live under a URL of weft's own instead
// of their module's: a web page and its workers run separate bundles of weft, each with its own
// import.meta.url, and the tasks must be found at the same place in every copy of weft, in any order
// the copies load.
import { placeTask, type Task } from "./task.ts";

const globals = globalThis as unknown as Record<symbol, Map<string, Record<string, unknown>> | undefined>;
/** The first definition of each of weft's own modules in this thread, by URL: its tasks by name. */
const namespaces = (globals[Symbol.for("weft.builtin-tasks")] ??= new Map<string, Record<string, unknown>>());

/** The scheme of the URLs of weft's own task modules. */
export const builtinScheme = "weft:";

/** Defines task `name` of weft's module `url` at `index`; a copy of weft loaded later defines the same place again. */
export function builtinTask<A extends unknown[], R>(
  url: `${typeof builtinScheme}${string}`,
  name: string,
  index: number,
  fn: (...args: A) => R,
): Task<A, R> {
  placeTask(fn, { url, index });
  let namespace = namespaces.get(url);
  if (!namespace) namespaces.set(url, (namespace = {}));
  namespace[name] ??= fn;
  return fn as Task<A, R>;
}

/** The tasks of weft's own module `url` by name, once some copy of weft in this thread defined them. */
export function builtinModule(url: string): Record<string, unknown> | undefined {
  return namespaces.get(url);
}
