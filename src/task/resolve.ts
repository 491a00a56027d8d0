// Main-thread side of task lookup: the reference a worker needs to find a function again.
import { TaskDefinitionError } from "../errors.ts";
import { inlineTaskRef } from "./inline.ts";
import { placeOf, type TaskPlace } from "./task.ts";
import { builtinModule } from "./builtin-tasks.ts";
import type { TaskRef } from "../protocol/task-ref.ts";

const resolved = new WeakMap<object, TaskRef>();

/**
 * The reference a worker needs to find `fn`: its module and place for a {@link task}, or its checked
 * source text for an inline function (when the backend accepts those).
 */
export async function resolveTask(fn: unknown, allowInline: boolean): Promise<TaskRef> {
  if (typeof fn !== "function") {
    throw new TaskDefinitionError(`expected a task (a function), got ${fn === null ? "null" : typeof fn}`);
  }
  const cached = resolved.get(fn);
  if (cached && (allowInline || cached.kind === "module")) return cached;
  const place = placeOf(fn);
  let ref: TaskRef;
  if (place !== undefined) {
    const name = await exportNameOf(fn, place);
    ref = { kind: "module", ...place, ...(name !== undefined && { name }) };
  } else if (allowInline) {
    ref = await inlineTaskRef(fn as (...args: never[]) => unknown);
  } else {
    throw new TaskDefinitionError(
      `function ${fn.name || "(anonymous)"} is not a task: this backend runs only tasks defined in modules ` +
        `(export const f = task(import.meta.url, ...)), never code sent as text`,
    );
  }
  resolved.set(fn, ref);
  return ref;
}

/**
 * How long the export that holds a task is looked for. The import of a module that has finished
 * loading takes a few milliseconds (its URL goes through the module loaders); one that is still running
 * its top-level code (the script that is starting this very job) will not settle while the job waits.
 */
const exportLookupMs = 100;

/** The export that holds `fn`, for messages and a cluster's task names; tasks without one go by place. */
async function exportNameOf(fn: object, { url }: TaskPlace): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const notYet = new Promise<undefined>(
    (resolve) => (timer = setTimeout(() => resolve(undefined), exportLookupMs)),
  );
  const namespace =
    builtinModule(url) ??
    (await Promise.race([
      import(url).then(
        (ns: Record<string, unknown>) => ns,
        () => undefined,
      ),
      notYet,
    ]));
  clearTimeout(timer);
  if (!namespace) return (fn as { name?: string }).name || undefined;
  for (const [name, value] of Object.entries(namespace)) if (value === fn) return name;
  return (fn as { name?: string }).name || undefined;
}
