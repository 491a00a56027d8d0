// What `npm run bench:data -- --parquet` saves (bench/results/parquet.json, and with --publish
// docs/results/parquet.json): one aggregation over a Parquet dataset by weft on 1 and 2 workers and by
// DuckDB, with every round's ratios.
import type { PublishedMeta } from "../../src/scaling/publish.ts";
import type { Spread } from "./report.ts";

export const parquetContenders = ["weft-1", "weft-2", "duckdb"] as const;
export type ParquetContender = (typeof parquetContenders)[number];

export interface ParquetReport {
  readonly meta: PublishedMeta & {
    readonly repeat: number;
    readonly files: number;
    readonly bytes: number;
    readonly rows: number;
    readonly rowGroups: number;
    readonly query: string;
    readonly duckdb: string;
  };
  readonly contenders: Readonly<
    Record<ParquetContender, { readonly seconds: Spread; readonly peakMb: number }>
  >;
  /** weft-1's time over weft-2's, round by round. */
  readonly speedup: Spread;
  /** weft-2's time over DuckDB's, round by round. */
  readonly duckdbAhead: Spread;
}
