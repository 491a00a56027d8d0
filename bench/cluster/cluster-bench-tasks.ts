// Tasks only the cluster benchmark uses; workers serve this module beside the built-in workloads'.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { task } from "../../src/index.ts";
import { spin } from "../../src/workloads/kernels/spin.ts";

export interface Marked {
  /** Where the task says which process runs it, so the benchmark can kill that one. */
  readonly dir: string;
  readonly rounds: number;
}

/** Announces its process, then does `rounds` of busy work: the chunk the recovery measurement kills. */
export const announceAndSpin = task(import.meta.url, (item: Marked) => {
  writeFileSync(join(item.dir, `${process.pid}.pid`), String(process.pid));
  return spin(0, item.rounds);
});

export interface Stamped {
  /** Where each process notes when it ran its first item. */
  readonly dir: string;
  /** Each item's own, so that the answer checks every item, and in its place. */
  readonly seed: number;
  readonly rounds: number;
}

/**
 * `rounds` of busy work from `seed`; the first item a process runs for `dir` notes the time in
 * `<dir>/<pid>.first`, so the benchmark sees when a worker that joined mid-job ran its first chunk.
 */
export const stampAndSpin = task(import.meta.url, (item: Stamped) => {
  const first = join(item.dir, `${process.pid}.first`);
  if (!existsSync(first)) writeFileSync(first, String(Date.now()));
  return spin(item.seed, item.rounds);
});

/** Nothing to do: a chunk of it costs only the trip through Redis. */
export const noop = task(import.meta.url, (n: number) => n);
