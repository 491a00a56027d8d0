// How a task is named in a message: by its module and place there, or (local only) by source text.

/** A task a worker finds by importing `url` and taking the `index`-th task that module defines. */
export interface ModuleTaskRef {
  readonly kind: "module";
  readonly url: string;
  readonly index: number;
  /** The export that holds it, when the pool could tell (for messages, and for a cluster's names). */
  readonly name?: string;
}

/** A self-contained function sent as source text; accepted by local backends only. */
export interface InlineTaskRef {
  readonly kind: "inline";
  /** A JavaScript expression whose value is the function. */
  readonly source: string;
  readonly name: string;
}

export type TaskRef = ModuleTaskRef | InlineTaskRef;

/** A stable key for caching a loaded task. */
export function taskKey(ref: TaskRef): string {
  return ref.kind === "module" ? `${ref.url}#${ref.index}` : `inline:${ref.source}`;
}

/** How errors name a task: `isPrime (file:///.../tasks.ts)`, `task #2 (file:///.../job.ts)` or `inline isPrime`. */
export function describeTask(ref: TaskRef): string {
  return ref.kind === "module"
    ? `${ref.name ?? `task #${ref.index}`} (${ref.url})`
    : `inline ${ref.name || "function"}`;
}
