// Tasks served by name: the tasks of the modules a process was started with, named as a cluster names
// them (`<module file name>.<export>`, or `<module file name>#<place>` for one no export holds), since
// module URLs differ between machines. A cluster worker and the HTTP service run these and nothing else.
import { resolve as resolvePath } from "node:path";
import { pathToFileURL } from "node:url";
import { WorkerError } from "../errors.ts";
import { loadTaskModule } from "./load.ts";
import { tasksDefinedBy } from "./task.ts";
import type { ModuleTaskRef } from "../protocol/task-ref.ts";

export interface NamedTask {
  /** The name it is served under: by its export, or by its place when no export holds it. */
  readonly name: string;
  readonly ref: ModuleTaskRef;
  readonly fn: (...args: never[]) => unknown;
}

/** `tasks.isPrime` for the export `isPrime` of `.../tasks.ts` (or `.js`); `job#0` for the first task of `job.ts` with no export. */
export function clusterTaskName(
  url: string,
  task: { readonly index: number; readonly name?: string },
): string {
  const file = (new URL(url).pathname.split("/").at(-1) ?? "").replace(/\.[cm]?[jt]s$/, "");
  return task.name === undefined ? `${file}#${task.index}` : `${file}.${task.name}`;
}

/** Imports `modules` (paths or URLs) and returns their tasks by name. */
export async function loadNamedTasks(modules: readonly string[]): Promise<Map<string, NamedTask>> {
  const tasks = new Map<string, NamedTask>();
  for (const module of modules) {
    const url =
      /^[a-z]+:/i.test(module) && !/^[a-z]:\\/i.test(module)
        ? module
        : pathToFileURL(resolvePath(module)).href;
    const namespace = await loadTaskModule(url);
    // Only functions defined with task(): a module's other exports (helpers, setup code) were never
    // offered to workers, so no request may call them.
    const defined = tasksDefinedBy(url);
    if (defined.length === 0) {
      throw new WorkerError(
        `task module ${module} defines no tasks (functions defined with task(import.meta.url, ...))`,
      );
    }
    defined.forEach((fn, index) => {
      const exportName = namespace && Object.entries(namespace).find(([, value]) => value === fn)?.[0];
      const ref: ModuleTaskRef = { kind: "module", url, index, ...(exportName && { name: exportName }) };
      const name = clusterTaskName(url, ref);
      if (tasks.has(name))
        throw new WorkerError(`two task modules define ${name}: give the modules different file names`);
      tasks.set(name, { name, ref, fn });
    });
  }
  return tasks;
}
