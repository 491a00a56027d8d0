// How a task is named between machines: by module file name and export, since module URLs differ
// from one machine to the next. A worker maps the name back to a module it was started with.
import type { ModuleTaskRef } from "../../protocol/task-ref.ts";
import { clusterTaskName } from "../../task/named-tasks.ts";

const scheme = "weft-cluster:";

/** The coordinator's task as the cluster names it. */
export function clusterTaskRef(ref: ModuleTaskRef): ModuleTaskRef {
  return { ...ref, url: `${scheme}${clusterTaskName(ref.url, ref)}` };
}

/** The cluster name a reference arrived with, or undefined if it is not one. */
export function clusterNameOf(ref: ModuleTaskRef): string | undefined {
  return ref.url.startsWith(scheme) ? ref.url.slice(scheme.length) : undefined;
}
