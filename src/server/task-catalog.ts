// The tasks a service runs: the task() exports of the modules it was started with, by the name a
// cluster uses for them (`<module file name>.<export>`). Nothing else runs.
import { loadNamedTasks, type NamedTask } from "../task/named-tasks.ts";

export class TaskCatalog {
  private constructor(readonly byName: ReadonlyMap<string, NamedTask>) {}

  static async load(modules: readonly string[]): Promise<TaskCatalog> {
    return new TaskCatalog(await loadNamedTasks(modules));
  }

  get(name: string): NamedTask["fn"] | undefined {
    return this.byName.get(name)?.fn;
  }

  names(): string[] {
    return [...this.byName.keys()].sort();
  }
}
