// A shuffle's partitions as a job's input: each partition is one item to the scheduler, and a chunk
// is a few; the worker reads and merges a partition's records itself.
import type { ChunkInput } from "../protocol/plan.ts";
import type { KeyedOp, PartitionRead } from "../protocol/shuffle.ts";
import type { Source } from "./source.ts";

export class PartitionSource implements Source {
  readonly itemsAreRecords = false;
  #next = 0;
  constructor(
    readonly keyed: KeyedOp,
    readonly partitions: readonly PartitionRead[],
    readonly budget: number,
  ) {}

  open() {
    return { available: this.partitions.length, closed: true };
  }

  take(size: number): ChunkInput {
    const partitions = this.partitions.slice(this.#next, this.#next + size);
    this.#next += size;
    return { kind: "partition", keyed: this.keyed, partitions, budget: this.budget };
  }

  stop(): void {}
}
