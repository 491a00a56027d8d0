// The reduce side of the hash-partitioned operations: a partition's records, from every chunk that
// wrote any, merged by key into the operation's output items. A partition whose merged records pass
// the worker's budget is split further on disk by a second hash of its keys, and each piece merged on
// its own (keys in different pieces never meet, so the result is the same), holding one piece at a time.
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { KeyedOp, PartitionPiece } from "../../protocol/shuffle.ts";
import { FrameWriter, readFrames } from "./frames.ts";
import { partitionOf } from "./keys.ts";
import { approximateBytes } from "../../protocol/size.ts";

type Fn = (...args: unknown[]) => unknown;

/** Output items handed to the chunk's loop at a time. */
const batchItems = 4096;
/** Pieces a partition splits into when it passes the budget. */
const fanout = 8;
/** Splits deep enough for any spread of keys; past it (one key holds most records) memory decides. */
const maxDepth = 4;
/** Records a split buffers per piece before writing them as one frame. */
const frameRecords = 1024;

export type HashOp = Exclude<KeyedOp, { kind: "sortBy" }>;

/** Where a partition's merge writes the pieces it splits into, and how much it may hold. */
export interface MergeContext {
  readonly keyed: HashOp;
  readonly combine: Fn | undefined;
  readonly directory: string;
  readonly budget: number;
  /** A name unique to this attempt, for the files of its splits. */
  readonly stem: string;
}

/** The partition's output items, in batches: `[key, value]`, `[key, items]`, the first item of a key, or `[key, [left, right]]`. */
export async function* mergedItems(
  context: MergeContext,
  pieces: readonly PartitionPiece[],
  depth = 0,
): AsyncGenerator<unknown[]> {
  const table = new Map<unknown, unknown>();
  const merge = mergeInto(context, table);
  let bytes = 0;
  let split: Split | undefined;
  for (const piece of pieces) {
    for await (const [keys, values] of readFrames(join(context.directory, piece.name))) {
      for (let i = 0; i < keys.length; i++) {
        if (split) split.add(keys[i], values[i], piece.side);
        else bytes += merge(keys[i], values[i], piece.side);
      }
      if (!split && bytes > context.budget && depth < maxDepth) {
        split = new Split(context, depth + 1);
        for (const [key, value] of table) {
          if (context.keyed.kind === "join") {
            const [left, right] = value as [unknown[], unknown[]];
            if (left.length > 0) split.add(key, left, 0);
            if (right.length > 0) split.add(key, right, 1);
          } else split.add(key, value, 0);
        }
        table.clear();
      }
      if (split) await split.flush(false);
    }
  }
  if (!split) {
    yield* outputOf(context.keyed, table);
    return;
  }
  const parts = await split.finish();
  try {
    for (const part of parts) yield* mergedItems(context, part, depth + 1);
  } finally {
    await Promise.all(parts.flat().map((p) => rm(join(context.directory, p.name), { force: true })));
  }
}

/** Merges one record into `table` and returns the bytes it added. */
function mergeInto(
  context: MergeContext,
  table: Map<unknown, unknown>,
): (key: unknown, value: unknown, side: number) => number {
  const { keyed, combine } = context;
  switch (keyed.kind) {
    case "reduceByKey":
      return (key, value) => {
        const previous = table.get(key);
        if (previous !== undefined || table.has(key)) {
          table.set(key, combine!(previous, value));
          return 0;
        }
        table.set(key, value);
        return approximateBytes(key) + approximateBytes(value);
      };
    case "groupBy":
      return (key, items) => {
        const group = table.get(key) as unknown[] | undefined;
        if (!group) table.set(key, items);
        else for (const item of items as unknown[]) group.push(item);
        return (group ? 0 : approximateBytes(key)) + approximateBytes(items);
      };
    case "distinct":
      return (key, item) => {
        if (table.has(key)) return 0;
        table.set(key, item);
        return approximateBytes(key) + approximateBytes(item);
      };
    case "join":
      return (key, items, side) => {
        let sides = table.get(key) as [unknown[], unknown[]] | undefined;
        const added = sides ? 0 : approximateBytes(key);
        if (!sides) table.set(key, (sides = [[], []]));
        const into = sides[side]!;
        for (const item of items as unknown[]) into.push(item);
        return added + approximateBytes(items);
      };
  }
}

function* outputOf(keyed: HashOp, table: Map<unknown, unknown>): Generator<unknown[]> {
  let batch: unknown[] = [];
  const emit = function* (item: unknown) {
    batch.push(item);
    if (batch.length >= batchItems) {
      yield batch;
      batch = [];
    }
  };
  for (const [key, value] of table) {
    if (keyed.kind === "distinct") yield* emit(value);
    else if (keyed.kind === "join") {
      const [left, right] = value as [unknown[], unknown[]];
      for (const a of left) for (const b of right) yield* emit([key, [a, b]]);
    } else yield* emit([key, value]);
  }
  if (batch.length > 0) yield batch;
}

/** A partition being split: its records, in the order read, written into `fanout` pieces per side by a second hash. */
class Split {
  readonly #buffers = new Map<string, { piece: number; side: number; keys: unknown[]; values: unknown[] }>();
  readonly #writers = new Map<string, FrameWriter>();

  constructor(
    readonly context: MergeContext,
    readonly depth: number,
  ) {}

  add(key: unknown, value: unknown, side: number): void {
    const piece = partitionOf(key, fanout, this.depth);
    const id = `${piece}-${side}`;
    let buffer = this.#buffers.get(id);
    if (!buffer) this.#buffers.set(id, (buffer = { piece, side, keys: [], values: [] }));
    buffer.keys.push(key);
    buffer.values.push(value);
  }

  /** Writes out the buffers that are full (all of them when `all`). */
  async flush(all: boolean): Promise<void> {
    for (const [id, buffer] of this.#buffers) {
      if (buffer.keys.length === 0 || (!all && buffer.keys.length < frameRecords)) continue;
      let writer = this.#writers.get(id);
      if (!writer) {
        const name = `${this.context.stem}-d${this.depth}-${id}.bin`;
        this.#writers.set(id, (writer = new FrameWriter(join(this.context.directory, name))));
      }
      const { keys, values } = buffer;
      buffer.keys = [];
      buffer.values = [];
      await writer.append(keys, values);
    }
  }

  /** The pieces, each as the files (one per side) to merge together. */
  async finish(): Promise<PartitionPiece[][]> {
    await this.flush(true);
    await Promise.all([...this.#writers.values()].map((w) => w.close()));
    const pieces: PartitionPiece[][] = Array.from({ length: fanout }, () => []);
    for (const [id, writer] of this.#writers) {
      const { piece, side } = this.#buffers.get(id)!;
      pieces[piece]!.push({ name: writer.path.slice(this.context.directory.length + 1), side });
    }
    return pieces.filter((p) => p.length > 0);
  }
}
