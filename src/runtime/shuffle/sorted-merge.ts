// The reduce side of sortBy: a partition's pieces are byte ranges of sorted runs, merged as streams
// (one frame of each held at a time), so a partition is never held whole. Among equal keys the
// earlier piece comes first, and pieces are in input order, so the sort is stable.
import { join } from "node:path";
import { compareKeys, type PartitionRead, type SortKey } from "../../protocol/shuffle.ts";
import { readFrameAt } from "./frames.ts";

/** Output items handed to the chunk's loop at a time. */
const batchItems = 4096;

/** One piece being read: its current frame and where the next one starts. */
interface Cursor {
  readonly order: number;
  readonly path: string;
  readonly end: number;
  keys: SortKey[];
  items: unknown[];
  at: number;
  next: number;
}

/** The items of partition `read`, in key order (`descending` reverses it), in batches. */
export async function* sortedItems(read: PartitionRead, descending: boolean): AsyncGenerator<unknown[]> {
  const order = descending ? (a: SortKey, b: SortKey) => compareKeys(b, a) : compareKeys;
  const low = read.low?.key;
  const high = read.high?.key;
  const inRange = (key: SortKey) =>
    (low === undefined || order(low, key) <= 0) && (high === undefined || order(key, high) < 0);
  const heap = new CursorHeap((a, b) => order(a.keys[a.at]!, b.keys[b.at]!) || a.order - b.order);
  for (const [index, piece] of read.pieces.entries()) {
    const cursor: Cursor = {
      order: index,
      path: join(read.directory, piece.name),
      // The caller gives a sorted run's pieces as byte ranges of whole blocks.
      end: piece.end ?? 0,
      keys: [],
      items: [],
      at: 0,
      next: piece.start ?? 0,
    };
    if (await advance(cursor)) heap.push(cursor);
  }
  let batch: unknown[] = [];
  while (heap.size > 0) {
    const cursor = heap.top();
    const key = cursor.keys[cursor.at]!;
    if (inRange(key)) {
      batch.push(cursor.items[cursor.at]);
      if (batch.length >= batchItems) {
        yield batch;
        batch = [];
      }
    }
    cursor.at++;
    if (cursor.at < cursor.keys.length || (await advance(cursor))) heap.siftDown();
    else heap.pop();
  }
  if (batch.length > 0) yield batch;
}

/** Loads the cursor's next frame; false when its piece is done. */
async function advance(cursor: Cursor): Promise<boolean> {
  while (cursor.next < cursor.end) {
    const { frame, next } = await readFrameAt(cursor.path, cursor.next);
    cursor.keys = frame[0] as SortKey[];
    cursor.items = frame[1];
    cursor.at = 0;
    cursor.next = next;
    if (cursor.keys.length > 0) return true;
  }
  return false;
}

/** A binary min-heap of cursors, by their current record. */
class CursorHeap {
  readonly #items: Cursor[] = [];
  constructor(readonly before: (a: Cursor, b: Cursor) => number) {}

  get size(): number {
    return this.#items.length;
  }

  top(): Cursor {
    return this.#items[0]!;
  }

  push(cursor: Cursor): void {
    const items = this.#items;
    items.push(cursor);
    for (let i = items.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (this.before(items[i]!, items[parent]!) >= 0) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): void {
    const items = this.#items;
    const last = items.pop()!;
    if (items.length === 0) return;
    items[0] = last;
    this.siftDown();
  }

  /** Restores the heap after the top's record changed. */
  siftDown(): void {
    const items = this.#items;
    for (let i = 0; ;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < items.length && this.before(items[left]!, items[least]!) < 0) least = left;
      if (right < items.length && this.before(items[right]!, items[least]!) < 0) least = right;
      if (least === i) return;
      [items[i], items[least]] = [items[least]!, items[i]!];
      i = least;
    }
  }
}
