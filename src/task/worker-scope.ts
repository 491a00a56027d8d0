// Whether this thread is a weft worker (a thread or process of a pool, or a cluster worker process),
// and which modules it is loading for their tasks. There, weft() starts no pool: called while a
// module loads (the script that defines tasks and then starts its pool), it stops that script where
// it stands, and the loader takes the tasks defined above it; called from a task, it refuses.
// Kept on the global object, so a task module that imports another copy of weft sees the same state.

import { fileURLToPath } from "node:url";

interface Scope {
  /** Modules being loaded for their tasks, by URL: what to call if one stops at weft(). */
  readonly loading: Map<string, () => void>;
}

const key = Symbol.for("weft.worker-scope");
const globals = globalThis as unknown as Record<symbol, Scope | undefined>;

/** Called once by a worker's runtime before it loads any task module. */
export function markAsWorker(): void {
  globals[key] ??= { loading: new Map() };
}

export function isWorker(): boolean {
  return globals[key] !== undefined;
}

/** Notes that the module at `url` is loading; `stopped` is called if it stops at weft(). Returns the way to forget it. */
export function loadingModule(url: string, stopped: () => void): () => void {
  const loading = globals[key]?.loading;
  loading?.set(url, stopped);
  return () => loading?.delete(url);
}

/**
 * For weft() inside a worker: if a module being loaded called it (its URL is on the call stack, in
 * its top-level code or a function that code called), that module stops there, and true is returned.
 */
export function stopLoadingModule(stack: string): boolean {
  const loading = globals[key]?.loading;
  if (!loading) return false;
  for (const [url, stopped] of loading) {
    // Stack frames name a module by URL, or by path where a TypeScript loader maps them back to the source.
    const names = url.startsWith("file:") ? [url, fileURLToPath(url)] : [url];
    if (names.some((name) => stack.includes(`${name}:`))) {
      stopped();
      return true;
    }
  }
  return false;
}
