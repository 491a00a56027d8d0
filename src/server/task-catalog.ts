// The tasks a service runs: the weft tasks exported by the modules it was started with, by the
// name the cluster uses for them (`<module file name>.<export>`). Nothing else runs.
import { resolve as resolvePath } from "node:path";
import { pathToFileURL } from "node:url";
import { clusterTaskName } from "../backends/redis/wire.ts";
import { importModule } from "../task/load.ts";
import { moduleUrlOf } from "../task/task.ts";

type Fn = (...args: never[]) => unknown;

export class TaskCatalog {
  private constructor(readonly byName: ReadonlyMap<string, Fn>) {}

  static async load(modules: readonly string[]): Promise<TaskCatalog> {
    const byName = new Map<string, Fn>();
    for (const module of modules) {
      const url = pathToFileURL(resolvePath(module)).href;
      let namespace: Record<string, unknown>;
      try {
        namespace = await importModule(url);
      } catch (error) {
        throw new Error(`could not load task module ${module}: ${(error as Error).message}`, {
          cause: error,
        });
      }
      for (const [exportName, value] of Object.entries(namespace)) {
        // Only functions wrapped with task(): a plain export may not be meant to run on workers.
        if (typeof value === "function" && moduleUrlOf(value) !== undefined) {
          byName.set(clusterTaskName(url, exportName), value as Fn);
        }
      }
    }
    return new TaskCatalog(byName);
  }

  get(name: string): Fn | undefined {
    return this.byName.get(name);
  }

  names(): string[] {
    return [...this.byName.keys()].sort();
  }
}
