// Whether the machine's cores run at the same speed right now. On a shared virtual machine one core can
// run at half the speed of the other for minutes (seen here: the same fresh plain loop took 390 ms, then
// 700 ms, then 390 ms on either core pinned with taskset). A round timed then says more about the
// machine than about the contenders: the plain loop is slow when the main thread's core is, a split
// decided in advance waits for its slow half, and a pool that pulls work moves it to the fast core. So
// before each round, two threads run the same fixed work at once, and the round waits until they agree.
import { startSplitPool, type SplitPool } from "./split/split-pool.ts";

/** Items of the calibration kernel per thread: some tens of milliseconds. */
const calibrationItems = 2_000_000;
/** Slowest over fastest thread above this, the cores differ: the round waits. */
export const maxImbalance = 1.15;
/** How long a round waits for the cores to agree before it runs anyway (and says so). */
const patienceMs = 30_000;

export interface CoreBalance {
  /** Slowest over fastest calibration time of the last check before the round ran. */
  readonly imbalance: number;
  /** Whether the round ran with the cores still differing, after waiting `patienceMs`. */
  readonly unbalanced: boolean;
}

export class CoreBalanceCheck {
  readonly #pool: SplitPool;

  constructor(threads: number) {
    this.#pool = startSplitPool(threads);
  }

  /** Once the cores agree (or the patience is spent): how far apart they were. */
  async waitForBalance(): Promise<CoreBalance> {
    const deadline = performance.now() + patienceMs;
    for (;;) {
      const times = await this.#pool.run(
        "calibrate",
        Array.from({ length: this.#pool.workers }, () => calibrationItems),
      );
      const imbalance = Math.max(...times) / Math.min(...times);
      if (imbalance <= maxImbalance) return { imbalance, unbalanced: false };
      if (performance.now() > deadline) return { imbalance, unbalanced: true };
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}
