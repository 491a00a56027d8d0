// Main-thread side of task lookup: finds the export under which a task's module publishes it.
import { TaskDefinitionError } from "../errors.ts";
import { inlineTaskRef } from "./inline.ts";
import { moduleUrlOf } from "./task.ts";
import type { TaskRef } from "./task-ref.ts";

const resolved = new WeakMap<object, TaskRef>();

/**
 * The reference a worker needs to find `fn`: its module URL and export name for a {@link task},
 * or its checked source text for an inline function (when the backend accepts those).
 */
export async function resolveTask(fn: unknown, allowInline: boolean): Promise<TaskRef> {
  if (typeof fn !== "function") {
    throw new TaskDefinitionError(`expected a task (a function), got ${fn === null ? "null" : typeof fn}`);
  }
  const cached = resolved.get(fn);
  if (cached && (allowInline || cached.kind === "module")) return cached;
  const url = moduleUrlOf(fn);
  let ref: TaskRef;
  if (url !== undefined) {
    ref = { kind: "module", url, exportName: await exportNameOf(fn, url) };
  } else if (allowInline) {
    ref = inlineTaskRef(fn as (...args: never[]) => unknown);
  } else {
    throw new TaskDefinitionError(
      `function ${fn.name || "(anonymous)"} is not a task: this backend runs only tasks defined in modules ` +
        `(export const f = task(import.meta.url, ...)), never code sent as text`,
    );
  }
  resolved.set(fn, ref);
  return ref;
}

async function exportNameOf(fn: object, url: string): Promise<string> {
  const namespace = (await import(url)) as Record<string, unknown>;
  for (const [name, value] of Object.entries(namespace)) if (value === fn) return name;
  const fnName = (fn as { name?: string }).name || "(anonymous)";
  throw new TaskDefinitionError(
    `task ${fnName} from ${url} is not exported by that module, so workers cannot find it: add \`export\` to its declaration`,
  );
}
