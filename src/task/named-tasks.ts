// Tasks served by name: the task() exports of the modules a process was started with, named as a
// cluster names them (`<module file name>.<export>`), since module URLs differ between machines.
// A cluster worker and the HTTP service run these and nothing else.
import { resolve as resolvePath } from "node:path";
import { pathToFileURL } from "node:url";
import { WorkerError } from "../errors.ts";
import { importModule } from "./load.ts";
import type { ModuleTaskRef } from "./task-ref.ts";
import { moduleUrlOf } from "./task.ts";

export interface NamedTask {
  readonly ref: ModuleTaskRef;
  readonly fn: (...args: never[]) => unknown;
}

/** `tasks.isPrime` for the export `isPrime` of `.../tasks.ts` (or `.js`). */
export function clusterTaskName(url: string, exportName: string): string {
  const file = new URL(url).pathname.split("/").at(-1) ?? "";
  return `${file.replace(/\.[cm]?[jt]s$/, "")}.${exportName}`;
}

/** Imports `modules` (paths or URLs) and returns their tasks by name. */
export async function loadNamedTasks(modules: readonly string[]): Promise<Map<string, NamedTask>> {
  const tasks = new Map<string, NamedTask>();
  for (const module of modules) {
    const url =
      /^[a-z]+:/i.test(module) && !/^[a-z]:\\/i.test(module)
        ? module
        : pathToFileURL(resolvePath(module)).href;
    let namespace: Record<string, unknown>;
    try {
      namespace = await importModule(url);
    } catch (error) {
      throw new WorkerError(`could not load task module ${module}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    // Only functions defined with task(): a module's other exports (helpers, setup code) were never
    // offered to workers, so no request may call them.
    const exported = Object.entries(namespace).filter(
      ([, value]) => typeof value === "function" && moduleUrlOf(value) !== undefined,
    );
    if (exported.length === 0) {
      throw new WorkerError(
        `task module ${module} exports no tasks (functions defined with task(import.meta.url, ...))`,
      );
    }
    for (const [exportName, fn] of exported) {
      const name = clusterTaskName(url, exportName);
      if (tasks.has(name))
        throw new WorkerError(`two task modules define ${name}: give the modules different file names`);
      tasks.set(name, { ref: { kind: "module", url, exportName }, fn: fn as NamedTask["fn"] });
    }
  }
  return tasks;
}
