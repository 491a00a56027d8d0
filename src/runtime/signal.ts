// The AbortSignal of the chunk a worker is running, for tasks that can stop early.

const never = new AbortController().signal;
let current: AbortSignal = never;

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
  return current;
}

/** Runs `run` with `signal` as the current chunk's signal. */
export async function withSignal<T>(signal: AbortSignal, run: () => Promise<T>): Promise<T> {
  current = signal;
  try {
    return await run();
  } finally {
    current = never;
  }
}
