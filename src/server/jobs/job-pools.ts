// Where a job's pool work runs: on the service's shared pool, or on a pool of threads of its own
// when the job asks for a number of workers; either way its pool jobs are tagged with the job.
import type { Pool } from "../../pool/pool.ts";
import { weftWithLedgers } from "../../pool/weft.ts";
import type { LedgerStore } from "../../protocol/ledger.ts";
import type { EventBridge } from "./event-bridge.ts";

export class JobPools {
  readonly shared: Pool;
  readonly #bridge: EventBridge;
  /** Where a job's own pool keeps its resumable jobs' ledgers: the job store. */
  readonly #ledgers: LedgerStore;

  constructor(shared: Pool, bridge: EventBridge, ledgers: LedgerStore) {
    this.shared = shared;
    this.#bridge = bridge;
    this.#ledgers = ledgers;
    bridge.watch(shared);
  }

  /**
   * Runs `use` for service job `serviceJobId`, which starts one pool job: on the shared pool, or on
   * a pool of `workers` threads of its own, closed when `use` settles.
   */
  async run<T>(
    serviceJobId: string,
    workers: number | undefined,
    use: (pool: Pool) => Promise<T>,
  ): Promise<T> {
    if (workers === undefined || workers === this.shared.workers) {
      return this.#bridge.tagged(this.shared, serviceJobId, () => use(this.shared));
    }
    await using own = await weftWithLedgers({ workers }, this.#ledgers);
    this.#bridge.watch(own, serviceJobId);
    try {
      return await use(own);
    } finally {
      this.#bridge.unwatch(own);
    }
  }
}
