// What `npm run simulate` stores (bench/results/simulate.json, and docs/results/ with --publish).
import type { PublishedMeta } from "../../src/scaling/publish.ts";
import type { ModelResult } from "./cluster-model.ts";

export interface SimulateReport {
  readonly meta: PublishedMeta;
  readonly settings: {
    readonly items: number;
    readonly seed: number;
    readonly pareto: { readonly alpha: number; readonly meanMs: number; readonly capTimesMean: number };
    readonly rttMs: readonly [number, number];
    readonly slowness: readonly [number, number];
    readonly redisMsPerChunk: number;
    readonly coordinatorMsPerChunk: number;
    readonly redisCommandsPerChunk: number;
    readonly slotsPerThread: number;
    readonly detectMs: number;
    readonly joinsPerCent: number;
    readonly deathsPerCent: number;
  };
  /** Each size with the policy before and after the scheduler was told each chunk's load. */
  readonly runs: readonly {
    readonly threads: number;
    readonly joins: number;
    readonly deaths: number;
    readonly before: ModelResult;
    readonly after: ModelResult;
  }[];
}
