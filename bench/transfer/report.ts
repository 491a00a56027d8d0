// What `npm run bench:transfer` saves (docs/results/transfer.json with --publish).
import type { PublishedMeta } from "../../src/scaling/publish.ts";

export interface TransferRow {
  readonly name: string;
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
}

export interface TransferReport {
  readonly meta: PublishedMeta & { readonly repeat: number; readonly megabytes: number };
  /** The task alone on the calling thread (what making the buffer costs), then cloned, then moved. */
  readonly rows: readonly TransferRow[];
}
