// Whether this thread is a weft worker (a thread or process of a pool, or a cluster worker process):
// there, weft() refuses to start a pool, so a task module's top-level pool never starts in a worker.
// Kept on the global object, so a task module that imports another copy of weft sees it too.

const marker = Symbol.for("weft.inside-worker");

/** Called once by a worker's runtime before it loads any task module. */
export function markAsWorker(): void {
  (globalThis as Record<symbol, unknown>)[marker] = true;
}

export function isWorker(): boolean {
  return (globalThis as Record<symbol, unknown>)[marker] === true;
}
