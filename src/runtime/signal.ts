// The AbortSignal of the chunk a worker is running, for tasks that can stop early.

// Kept on the global object, like the task registry: a task module may import another copy of weft
// (in a web page, the page's bundle beside the worker's), and its taskSignal() must see this runtime's.
const never = new AbortController().signal;
const slot = ((globalThis as unknown as Record<symbol, { current: AbortSignal } | undefined>)[
  Symbol.for("weft.task-signal")
] ??= { current: never });

/**
 * The signal of the chunk this worker is running: it fires when the job is cancelled or the
 * chunk passes its deadline. Read it at the start of a task (a worker runs one chunk at a time)
 * and pass it to whatever the task waits on. A task that ignores it is stopped all the same,
 * after a grace period, by ending its worker.
 *
 * @example
 * export const fetchPage = task(import.meta.url, async (url: string) => {
 *   const response = await fetch(url, { signal: taskSignal() });
 *   return response.text();
 * });
 */
export function taskSignal(): AbortSignal {
  return slot.current;
}

/** Runs `run` with `signal` as the current chunk's signal. */
export async function withSignal<T>(signal: AbortSignal, run: () => Promise<T>): Promise<T> {
  slot.current = signal;
  try {
    return await run();
  } finally {
    slot.current = never;
  }
}
