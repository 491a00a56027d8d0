// How a task is named in a message: by module URL and export, or (local only) by source text.

/** A task a worker finds by importing `url` and reading the export `exportName`. */
export interface ModuleTaskRef {
  readonly kind: "module";
  readonly url: string;
  readonly exportName: string;
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
  return ref.kind === "module" ? `${ref.url}#${ref.exportName}` : `inline:${ref.source}`;
}

/** How errors name a task: `isPrime (file:///.../tasks.ts)` or `inline isPrime`. */
export function describeTask(ref: TaskRef): string {
  return ref.kind === "module" ? `${ref.exportName} (${ref.url})` : `inline ${ref.name || "function"}`;
}
