// The map side of a keyed operation: a chunk's items combined by key, then written to one file per
// partition (or, for sortBy, to sorted runs). When the records held pass the worker's budget they
// are written out at once (a spill) and the chunk goes on with an empty table; the reduce side merges
// the spills like any other chunk's records.
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { basename, join } from "node:path";
import type {
  PartitionFile,
  ShuffleWrite,
  SortedRun,
  SortKey,
  WrittenShuffle,
} from "../../protocol/shuffle.ts";
import { compareKeys } from "../../protocol/shuffle.ts";
import type { TaskRef } from "../../protocol/task-ref.ts";
import type { Combiner } from "../combiners.ts";
import { FrameWriter } from "./frames.ts";
import { checkKey, checkSortKey, partitionOf, sameKind } from "./keys.ts";
import { approximateBytes } from "../../protocol/size.ts";

type Fn = (...args: unknown[]) => unknown;

/** Records per block of a sorted run: the unit a partition's reader seeks to. */
const blockRecords = 2048;

/** The bytes a table entry costs beyond its key and value. */
const entryBytes = 32;

export class ShuffleCombiner implements Combiner {
  readonly op = "shuffle";
  acc: unknown;
  has = false;
  count = 0;
  readonly values: unknown[] = [];
  readonly add: (value: unknown) => PromiseLike<unknown> | undefined;

  /** A chunk's table: key to items or first item; for reduceByKey, to the index of its value in `#combined`. */
  readonly #table = new Map<unknown, unknown>();
  /**
   * reduceByKey's combined values, apart from their keys: an item whose key is known then costs one
   * lookup, not a lookup and a store, and number values sit unboxed in the array.
   */
  #combined: unknown[] = [];
  /** sortBy's records, `[key, item]`, in input order until they are sorted. */
  #sortRecords: [SortKey, unknown][] = [];
  #bytes = 0;
  readonly #attempt = randomBytes(6).toString("hex");
  readonly #partitionWriters = new Map<number, FrameWriter>();
  readonly #runs: SortedRun[] = [];
  readonly #runWriters: FrameWriter[] = [];
  readonly #itemsAreKeys: boolean;

  constructor(
    readonly write: ShuffleWrite,
    readonly task: TaskRef | undefined,
    key: Fn | undefined,
    value: Fn | undefined,
    combine: Fn | undefined,
  ) {
    const keyOf = key ?? ((item: unknown) => item);
    this.#itemsAreKeys = write.keyed.kind === "distinct" && key === undefined;
    const budget = write.budget;
    const table = this.#table;
    const spillIfFull = () => (this.#bytes > budget ? this.#spill() : undefined);
    switch (write.keyed.kind) {
      case "reduceByKey":
        this.add = (item) => {
          const k = keyOf(item);
          const x = value ? value(item) : item;
          const combined = this.#combined;
          const at = table.get(k) as number | undefined;
          if (at !== undefined) {
            combined[at] = combine!(combined[at], x);
            return undefined;
          }
          checkKey(k);
          table.set(k, combined.length);
          combined.push(x);
          this.#bytes += entryBytes + approximateBytes(k) + approximateBytes(x);
          return spillIfFull();
        };
        break;
      case "groupBy":
      case "join":
        this.add = (item) => {
          const k = keyOf(item);
          const group = table.get(k) as unknown[] | undefined;
          if (group) group.push(item);
          else {
            checkKey(k);
            table.set(k, [item]);
            this.#bytes += entryBytes + approximateBytes(k);
          }
          this.#bytes += 8 + approximateBytes(item);
          return spillIfFull();
        };
        break;
      case "distinct":
        this.add = (item) => {
          const k = keyOf(item);
          if (table.has(k)) return undefined;
          checkKey(k);
          table.set(k, item);
          this.#bytes += entryBytes + approximateBytes(k) + approximateBytes(item);
          return spillIfFull();
        };
        break;
      case "sortBy": {
        const records = () => this.#sortRecords;
        this.add = (item) => {
          const k = checkSortKey(keyOf(item));
          const held = records();
          if (held.length > 0 && !sameKind(held[0]![0], k)) {
            throw new TypeError(
              `sortBy's keys must all be numbers (or bigints) or all strings: got ${typeof k} ${String(k)} after ${typeof held[0]![0]} keys`,
            );
          }
          held.push([k, item]);
          this.#bytes += entryBytes + approximateBytes(k) + approximateBytes(item);
          return spillIfFull();
        };
        break;
      }
    }
  }

  accept(): void {
    throw new Error("unreachable: a shuffle's records are combined by add, never inline");
  }

  /** Writes out what is still held, and reports every file this chunk wrote. */
  async result(): Promise<WrittenShuffle> {
    await this.#spill();
    await Promise.all([...this.#partitionWriters.values(), ...this.#runWriters].map((w) => w.close()));
    const { side } = this.write;
    const files: PartitionFile[] = [...this.#partitionWriters].map(([partition, w]) => ({
      partition,
      name: basename(w.path),
      side,
      records: w.records,
      bytes: w.bytes,
    }));
    files.sort((a, b) => a.partition - b.partition);
    return { files, runs: this.#runs };
  }

  /** The attempt failed or was abandoned: its files go (the chunk runs again and writes its own). */
  async discard(): Promise<void> {
    const writers = [...this.#partitionWriters.values(), ...this.#runWriters];
    await Promise.all(writers.map((w) => w.close().catch(() => {})));
    await Promise.all(writers.map((w) => rm(w.path, { force: true })));
  }

  async #spill(): Promise<void> {
    this.#bytes = 0;
    if (this.write.keyed.kind === "sortBy") return this.#spillRun();
    const table = this.#table;
    if (table.size === 0) return;
    const { partitions } = this.write;
    const combined = this.write.keyed.kind === "reduceByKey" ? this.#combined : undefined;
    const byPartition = new Map<number, { keys: unknown[]; values: unknown[] }>();
    for (const [k, v] of table) {
      const p = partitionOf(k, partitions);
      let columns = byPartition.get(p);
      if (!columns) {
        const keys: unknown[] = [];
        // A distinct without a key function keeps each item as its own key: one array as both
        // columns, which V8's serializer writes once and the reader gets back as one.
        byPartition.set(p, (columns = { keys, values: this.#itemsAreKeys ? keys : [] }));
      }
      columns.keys.push(k);
      if (!this.#itemsAreKeys) columns.values.push(combined ? combined[v as number] : v);
    }
    table.clear();
    this.#combined = [];
    await Promise.all(
      [...byPartition].map(([p, { keys, values }]) => this.#partitionWriter(p).append(keys, values)),
    );
  }

  async #spillRun(): Promise<void> {
    const records = this.#sortRecords;
    if (records.length === 0) return;
    this.#sortRecords = [];
    const descending = this.write.keyed.kind === "sortBy" && this.write.keyed.descending;
    // Array.prototype.sort is stable: equal keys keep input order, as a sequential stable sort would.
    records.sort(descending ? (a, b) => compareKeys(b[0], a[0]) : (a, b) => compareKeys(a[0], b[0]));
    const writer = new FrameWriter(
      join(this.write.directory, `${this.#fileStem()}-r${this.#runs.length}.bin`),
    );
    this.#runWriters.push(writer);
    const blocks = [];
    for (let from = 0; from < records.length; from += blockRecords) {
      const block = records.slice(from, from + blockRecords);
      const keys = block.map((r) => r[0]);
      const { start, end } = await writer.append(
        keys,
        block.map((r) => r[1]),
      );
      blocks.push({ start, end, records: block.length, first: keys[0]!, last: keys.at(-1)! });
    }
    this.#runs.push({ name: basename(writer.path), blocks });
  }

  #partitionWriter(partition: number): FrameWriter {
    let writer = this.#partitionWriters.get(partition);
    if (!writer) {
      writer = new FrameWriter(join(this.write.directory, `${this.#fileStem()}-p${partition}.bin`));
      this.#partitionWriters.set(partition, writer);
    }
    return writer;
  }

  /** Names unique to this attempt at the chunk, so two attempts never share a file. */
  #fileStem(): string {
    return `s${this.write.side}-${this.#attempt}`;
  }
}
