// Runs a chunk of a shuffle's partitions: each partition's records are merged (hash-partitioned
// operations) or merge-sorted (sortBy) into output items, which go through the chunk's loop in
// batches, so a partition's output is never held whole.
import { randomBytes } from "node:crypto";
import type { Chunk, ChunkInput, ItemFailure } from "../../protocol/plan.ts";
import { preview, serializeError } from "../../protocol/serialized-errors.ts";
import { describeTask } from "../../protocol/task-ref.ts";
import { loadTask } from "../../task/load.ts";
import type { ItemLoop } from "../item-loop.ts";
import { mergedItems } from "./hash-merge.ts";
import { sortedItems } from "./sorted-merge.ts";

type PartitionInput = Extract<ChunkInput, { kind: "partition" }>;

/**
 * Runs every partition of the chunk through `loop`, calling `afterBatch` after each batch (a sink
 * writes what the batch produced). Resolves with the failure that ends the chunk, if any.
 */
export async function runPartitionChunk(
  loop: ItemLoop,
  chunk: Chunk,
  input: PartitionInput,
  afterBatch: () => Promise<ItemFailure | undefined>,
): Promise<ItemFailure | undefined> {
  const { keyed } = input;
  const combine = keyed.kind === "reduceByKey" ? (await loadTask(keyed.combine)).fn : undefined;
  const stem = `m${randomBytes(6).toString("hex")}`;
  for (const [r, read] of input.partitions.entries()) {
    const index = chunk.start + r;
    try {
      const batches =
        keyed.kind === "sortBy"
          ? sortedItems(read, keyed.descending)
          : mergedItems(
              {
                keyed,
                combine,
                directory: read.directory,
                budget: input.budget,
                stem: `${stem}-${read.index}`,
              },
              read.pieces,
            );
      for await (const items of batches) {
        const failure = await loop.run({ kind: "items", items }, (k) => ({
          index,
          preview: preview(items[k]),
        }));
        if (failure) return failure;
        const unwritten = await afterBatch();
        if (unwritten) return unwritten;
      }
    } catch (error) {
      // The partition's files could not be read, or reduceByKey's combine threw merging them.
      const failure: ItemFailure = {
        task:
          keyed.kind === "reduceByKey" ? describeTask(keyed.combine) : `merging a partition (${keyed.kind})`,
        index,
        preview: `partition ${read.index}`,
        error: serializeError(error),
      };
      if (loop.endsChunk(failure)) return failure;
    }
  }
  return undefined;
}
