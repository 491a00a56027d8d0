// The tasks a service runs: the exported tasks of the modules it was started with, by the name a
// cluster uses for them (`<module file name>.<export>`). Nothing else runs.
import { loadNamedTasks, type NamedTask } from "../../task/named-tasks.ts";

export class TaskCatalog {
  private constructor(readonly byName: ReadonlyMap<string, NamedTask>) {}

  static async load(modules: readonly string[]): Promise<TaskCatalog> {
    const tasks = await loadNamedTasks(modules);
    // Requests name tasks by export: a task no export holds (`tasks#3`) has no name to be asked for.
    return new TaskCatalog(new Map([...tasks].filter(([, task]) => task.ref.name !== undefined)));
  }

  get(name: string): NamedTask["fn"] | undefined {
    return this.byName.get(name)?.fn;
  }

  names(): string[] {
    return [...this.byName.keys()].sort();
  }
}
