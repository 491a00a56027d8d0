// Tasks only the cluster benchmark uses; workers serve this module beside the built-in workloads'.
import { writeFileSync } from "node:fs";
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

/** Nothing to do: a chunk of it costs only the trip through Redis. */
export const noop = task(import.meta.url, (n: number) => n);
