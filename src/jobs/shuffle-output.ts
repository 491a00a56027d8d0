// Where the map side of a shuffle reports: what each chunk wrote, kept in input order. Only names,
// offsets and counts; an attempt whose chunk was already accepted has its files removed.
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { WrittenShuffle } from "../protocol/shuffle.ts";
import type { Output } from "./collection-job.ts";

export function shuffleOutput(directory: string): { output: Output; result: Promise<WrittenShuffle[]> } {
  let resolve!: (written: WrittenShuffle[]) => void;
  let reject!: (error: Error) => void;
  const result = new Promise<WrittenShuffle[]>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const written: WrittenShuffle[] = [];
  const output: Output = {
    add: (partial) => void written.push(partial as WrittenShuffle),
    finish: () => resolve(written),
    fail: reject,
    discard(partial) {
      const { files, runs } = partial as WrittenShuffle;
      for (const name of [...files.map((f) => f.name), ...runs.map((r) => r.name)])
        void rm(join(directory, name), { force: true }).catch(() => {});
    },
  };
  return { output, result };
}
