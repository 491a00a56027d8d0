// What `npm run bench:data -- --csv` saves (bench/results/csv.json, and with --publish
// docs/results/csv.json): one aggregation over a CSV dataset by a plain Node.js loop, weft on 1 and 2
// workers, Dask bag and Dask dataframe, with every round's ratios.
import type { PublishedMeta } from "../../src/scaling/publish.ts";
import type { Spread } from "./report.ts";

export const csvContenders = ["node-loop", "weft-1", "weft-2", "dask-bag", "dask-dataframe"] as const;
export type CsvContender = (typeof csvContenders)[number];

export interface CsvReport {
  readonly meta: PublishedMeta & {
    readonly repeat: number;
    readonly files: number;
    readonly bytes: number;
    readonly rows: number;
    readonly dask: string;
    readonly python: string;
    readonly daskPartitions: number;
  };
  readonly contenders: Readonly<Record<CsvContender, { readonly seconds: Spread; readonly peakMb: number }>>;
  /** The Node.js loop's time over weft-2's, round by round. */
  readonly overLoop: Spread;
  /** weft-1's time over weft-2's, round by round. */
  readonly speedup: Spread;
  /** Dask bag's time over weft-2's, round by round. */
  readonly overDaskBag: Spread;
  /** Dask dataframe's time over weft-2's, round by round (below 1: Dask dataframe was faster). */
  readonly overDaskDataframe: Spread;
}
