// Slow tasks for the cancellation example: one that ignores its signal, one that stops when told.
import { setTimeout as sleep } from "node:timers/promises";
import { task, taskSignal } from "../src/index.ts";

/** Keeps its worker's CPU busy for `ms` and never looks at its signal: only ending the worker stops it. */
export const spin = task(import.meta.url, (ms: number): number => {
  const end = Date.now() + ms;
  while (Date.now() < end);
  return ms;
});

/** Waits `ms`, but stops as soon as its chunk is cancelled or passes its deadline: a cooperative task. */
export const nap = task(import.meta.url, async (ms: number): Promise<number> => {
  await sleep(ms, undefined, { signal: taskSignal() });
  return ms;
});
