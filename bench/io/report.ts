// What `npm run bench:io` saves (docs/results/io.json with --publish).
import type { PublishedMeta } from "../../src/scaling/publish.ts";

export interface IoContender {
  readonly name: string;
  /** How many calls it keeps waiting at once, in all. */
  readonly inFlight: number;
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
}

export interface IoReport {
  readonly meta: PublishedMeta & {
    readonly repeat: number;
    readonly calls: number;
    readonly delayMs: number;
    readonly workers: number;
    readonly concurrency: number;
  };
  /** calls × delay / (workers × concurrency): the time if every call waited only for the service. */
  readonly idealMs: number;
  readonly contenders: readonly IoContender[];
}
