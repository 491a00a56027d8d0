// Timing one workload on every started contender: an untimed warm-up each, then timed rounds, every answer checked.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Started } from "./contenders.ts";
import type { Run, Workload, WorkloadName } from "./workloads/workload.ts";

export interface Measurement {
  readonly workload: WorkloadName;
  readonly contender: string;
  /** Milliseconds per timed run, as measured (over `measuredItems` items). */
  readonly samplesMs: readonly number[];
  readonly measuredItems: number;
  /** True when only a prefix ran: the times below are then scaled up to the whole workload. */
  readonly extrapolated: boolean;
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
}

export interface Entry {
  readonly name: string;
  readonly started: Started;
}

export class WrongAnswerError extends Error {
  override name = "WrongAnswerError";
}

// Garbage left by one contender's run (a peer's 200,000 promises) must not be collected during the
// next one's; `npm run bench` passes no --expose-gc, so the flag is set here, before first use.
setFlagsFromString("--expose-gc");
/** A full collection, so that one timed run's garbage is not collected during the next. */
export const collectGarbage = runInNewContext("gc") as () => void;

/**
 * Warms every contender up on `workload` (JIT, lazily loaded task modules), then times `repeat`
 * rounds. Each round runs every contender once, in an order rotated by one each round, so a
 * change in background load over the run is shared by all instead of landing on one of them.
 * The first entry's warm-up answer is the reference the others are checked against. Contenders that do
 * not run this workload (the hand split on submit) are left out.
 */
export async function measureWorkload(
  all: readonly Entry[],
  workload: Workload<unknown>,
  repeat: number,
  /** Awaited before each round (the core-balance check). */
  beforeRound: () => Promise<void> = () => Promise.resolve(),
): Promise<Measurement[]> {
  const entries = all.filter((e) => e.started.runs?.(workload) ?? true);
  let reference: Run<unknown> | undefined;
  for (const { name, started } of entries) {
    const run = await started.run(workload);
    reference ??= run;
    check(name, workload, reference, run);
  }
  const samples = entries.map(() => [] as number[]);
  const items = entries.map(() => workload.items);
  for (let round = 0; round < repeat; round++) {
    await beforeRound();
    for (let k = 0; k < entries.length; k++) {
      const i = (k + round) % entries.length;
      const { name, started } = entries[i]!;
      collectGarbage();
      const t0 = performance.now();
      const run = await started.run(workload);
      samples[i]!.push(performance.now() - t0);
      check(name, workload, reference!, run);
      items[i] = run.items;
    }
  }
  return entries.map((e, i) => summarize(e.name, workload, samples[i]!, items[i]!));
}

function summarize(
  contender: string,
  workload: Workload<unknown>,
  samplesMs: number[],
  measuredItems: number,
): Measurement {
  // Linear scaling is fair only when items cost about the same on average, as in `fine`, the one prefix user.
  const scale = workload.items / measuredItems;
  const sorted = samplesMs.map((ms) => ms * scale).sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return {
    workload: workload.name,
    contender,
    samplesMs,
    measuredItems,
    extrapolated: measuredItems < workload.items,
    medianMs: sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2,
    minMs: sorted[0]!,
    maxMs: sorted[sorted.length - 1]!,
  };
}

function check(
  contender: string,
  workload: Workload<unknown>,
  expected: Run<unknown>,
  got: Run<unknown>,
): void {
  const why =
    got.items < 1 || got.items > workload.items
      ? `it covered ${got.items} of ${workload.items} items`
      : workload.mismatch(expected.answer, got);
  if (why !== undefined) {
    throw new WrongAnswerError(`${contender} gave a wrong answer on "${workload.name}": ${why}`);
  }
}
