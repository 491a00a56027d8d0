// Worker side of task lookup: imports task modules (registering a TypeScript loader for .ts) and caches them.
import { WorkerError } from "../errors.ts";
import { compileInline } from "./inline.ts";
import { taskKey, type TaskRef } from "./task-ref.ts";

type Fn = (...args: unknown[]) => unknown;

const loaded = new Map<string, Fn>();
let typescriptLoader: Promise<void> | undefined;

/** Loads the function behind a reference, once per worker. */
export async function loadTask(ref: TaskRef): Promise<Fn> {
  const key = taskKey(ref);
  const cached = loaded.get(key);
  if (cached) return cached;
  const fn = ref.kind === "inline" ? compileInline(ref) : await importExport(ref.url, ref.exportName);
  loaded.set(key, fn);
  return fn;
}

async function importExport(url: string, exportName: string): Promise<Fn> {
  let namespace: Record<string, unknown>;
  try {
    namespace = await importModule(url);
  } catch (error) {
    throw new WorkerError(`a worker could not import task module ${url}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const fn = namespace[exportName];
  if (typeof fn !== "function") {
    throw new WorkerError(`task module ${url} has no exported function '${exportName}' in the worker`);
  }
  return fn as Fn;
}

/**
 * Imports a task module, registering a TypeScript loader first if the module is TypeScript and no
 * loader is active yet. Registering a second one would load weft's own modules a second time
 * under other URLs, and tasks would then see a different `taskSignal()` from the runtime's.
 */
export async function importModule(url: string): Promise<Record<string, unknown>> {
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    if ((error as { code?: string }).code !== "ERR_UNKNOWN_FILE_EXTENSION") throw error;
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
