// Worker side of task lookup: imports task modules (registering a TypeScript loader for .ts) and
// takes each task by its place among the tasks its module defines.
import { fileURLToPath } from "node:url";
import { WorkerError } from "../errors.ts";
import { compileInline } from "./inline.ts";
import { tasksDefinedBy } from "./task.ts";
import { builtinModule, builtinScheme } from "./builtin-tasks.ts";
import { loadingModule } from "./worker-scope.ts";
import { taskKey, type ModuleTaskRef, type TaskRef } from "../protocol/task-ref.ts";
import { readsTypeScript } from "./runtime.ts";

type Fn = (...args: unknown[]) => unknown;

/** A task as a worker holds it: the function, and the reference with its export's name when known. */
export interface LoadedTask {
  readonly fn: Fn;
  readonly ref: TaskRef;
}

/**
 * How long a task module may take to finish loading in a worker. One still loading after this is
 * waiting on something at its top level (a server, a timer, input) that would keep every worker
 * waiting too; its jobs fail with an error that says so rather than hang.
 */
export const moduleLoadLimitMs = 10_000;

const loaded = new Map<string, LoadedTask>();
const modules = new Map<string, Promise<Record<string, unknown> | undefined>>();
let typescriptLoader: Promise<void> | undefined;

/** Loads the function behind a reference, once per worker. */
export async function loadTask(ref: TaskRef): Promise<LoadedTask> {
  const key = taskKey(ref);
  const cached = loaded.get(key);
  if (cached) return cached;
  const task = ref.kind === "inline" ? { fn: compileInline(ref), ref } : await loadModuleTask(ref);
  loaded.set(key, task);
  return task;
}

async function loadModuleTask(ref: ModuleTaskRef): Promise<LoadedTask> {
  // Defined already, by code this thread ran itself (in process: the script that started the pool,
  // still awaiting this very job, so importing it again would wait for ever): taken as it is.
  const defined = !modules.has(ref.url) && (tasksDefinedBy(ref.url)[ref.index] as Fn | undefined);
  if (defined) return { fn: defined, ref };
  const namespace = await loadTaskModule(ref.url);
  const fn = tasksDefinedBy(ref.url)[ref.index] as Fn | undefined;
  if (!fn) {
    const defined = tasksDefinedBy(ref.url).length;
    throw new WorkerError(
      `task module ${ref.url} defined ${defined} task${defined === 1 ? "" : "s"} in the worker, and the job ` +
        `needs ${ref.name ?? `task #${ref.index}`}: define tasks at the top level of the module, before ` +
        `\`await weft()\` and outside conditions, so that every worker defines the same tasks in the same order`,
    );
  }
  const name = namespace && Object.entries(namespace).find(([, value]) => value === fn)?.[0];
  return { fn, ref: name === undefined || name === ref.name ? ref : { ...ref, name } };
}

/**
 * Imports a task module for its tasks, once per thread. Resolves with its namespace, or with undefined
 * when the module stopped at `weft()` (a script that defines tasks and then starts a pool): the tasks
 * it defined before that are registered all the same.
 */
export function loadTaskModule(url: string): Promise<Record<string, unknown> | undefined> {
  if (url.startsWith(builtinScheme)) return weftsOwn(url);
  let load = modules.get(url);
  if (!load) modules.set(url, (load = loadModule(url)));
  return load;
}

/** One of weft's own modules, which the worker's runtime has defined (serve.ts imports them). */
function weftsOwn(url: string): Promise<Record<string, unknown>> {
  const namespace = builtinModule(url);
  return namespace
    ? Promise.resolve(namespace)
    : Promise.reject(
        new WorkerError(`internal: weft's own task module ${url} is not defined in this worker`),
      );
}

async function loadModule(url: string): Promise<Record<string, unknown> | undefined> {
  let timer: NodeJS.Timeout | undefined;
  let forget = () => {};
  const stopped = new Promise<undefined>(
    (resolve) => (forget = loadingModule(url, () => resolve(undefined))),
  );
  const tooLong = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new WorkerError(
            `task module ${url} had not finished loading after ${moduleLoadLimitMs / 1000} s in a worker: its ` +
              `top-level code is still waiting on something (a server, a timer, input). Every worker runs a task ` +
              `module's top-level code: move the tasks into a module of their own, or put that code under ` +
              `\`if (import.meta.main)\` or after \`await weft()\``,
          ),
        ),
      moduleLoadLimitMs,
    );
  });
  try {
    return await Promise.race([importModule(url), stopped, tooLong]);
  } catch (error) {
    // A later job tries again: a file that was missing may be there now.
    modules.delete(url);
    if (error instanceof WorkerError) throw error;
    const missing = (error as { code?: string }).code === "ERR_MODULE_NOT_FOUND";
    if (missing && (error as Error).message.includes(url.startsWith("file:") ? fileURLToPath(url) : url)) {
      throw new WorkerError(
        `task module ${url} is not there for this worker: a worker loads a task module from the path the ` +
          `pool found it at, so the file must still be there`,
        { cause: error },
      );
    }
    throw new WorkerError(
      `a worker could not load task module ${url}: ${(error as Error).message}. Every worker runs a task ` +
        `module's top-level code; if that code should run only once, move the tasks into a module of their ` +
        `own, or put that code under \`if (import.meta.main)\``,
      { cause: error },
    );
  } finally {
    forget();
    clearTimeout(timer);
  }
}

/**
 * Imports a module, registering a TypeScript loader first if the module is TypeScript and no
 * loader is active yet. Registering a second one would load weft's own modules a second time
 * under other URLs, and tasks would then see a different `taskSignal()` from the runtime's.
 */
async function importModule(url: string): Promise<Record<string, unknown>> {
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    if ((error as { code?: string }).code !== "ERR_UNKNOWN_FILE_EXTENSION" || readsTypeScript()) throw error;
    await registerTypeScript();
    return (await import(url)) as Record<string, unknown>;
  }
}

function registerTypeScript(): Promise<void> {
  typescriptLoader ??= import("tsx/esm/api").then(({ register }) => {
    register();
  });
  return typescriptLoader;
}
