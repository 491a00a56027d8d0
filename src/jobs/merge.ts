// The main-thread half of each terminal: combines the partials that chunks send back, in input order.
import { EmptyReduceError } from "../errors.ts";
import { copyPart, partLength, type CollectedPart } from "../protocol/packing.ts";
import { isThenable } from "../protocol/thenable.ts";

/** Receives partials in chunk order and produces the job's result. */
export interface Merge<R> {
  add(partial: unknown): void;
  result(): R;
}

type Fn2 = (a: unknown, b: unknown) => unknown;

export function collectMerge(): Merge<unknown[]> {
  const parts: CollectedPart[] = [];
  let length = 0;
  return {
    add(p) {
      parts.push(p as CollectedPart);
      length += partLength(p as CollectedPart);
    },
    result() {
      // Filling a pre-sized array: `parts.flat()` over a million items kept every worker waiting.
      const all = new Array<unknown>(length);
      let i = 0;
      for (const part of parts) i = copyPart(part, all, i);
      return all;
    },
  };
}

export function countMerge(): Merge<number> {
  let total = 0;
  return { add: (p) => void (total += p as number), result: () => total };
}

/** `reduce(fn, initial?)`: each chunk reduced on its worker, then the partials here, left to right. */
export function reduceMerge(fn: Fn2, initial: { value: unknown } | undefined): Merge<unknown> {
  let has = initial !== undefined;
  let acc = initial?.value;
  return {
    add(p) {
      const partial = p as { has: boolean; value?: unknown };
      if (!partial.has) return;
      acc = has ? fn(acc, partial.value) : partial.value;
      if (isThenable(acc)) {
        throw new TypeError(
          "the reducer returned a promise: reduce's function also combines the chunks' results on the " +
            "pool's thread, so it must return its value; for an async step use fold(zero, step, merge)",
        );
      }
      has = true;
    },
    result() {
      if (!has) throw new EmptyReduceError();
      return acc;
    },
  };
}

/** `fold(zero, add, merge)`: every chunk starts from `zero`; the partials are merged here. */
export function foldMerge(zero: unknown, merge: Fn2): Merge<unknown> {
  let has = false;
  let acc: unknown;
  return {
    add(p) {
      acc = has ? merge(acc, p) : p;
      has = true;
    },
    result: () => (has ? acc : structuredClone(zero)),
  };
}

export function reduceByKeyMerge(combine: Fn2): Merge<Map<unknown, unknown>> {
  const groups = new Map<unknown, unknown>();
  return {
    add(p) {
      for (const [k, v] of p as Map<unknown, unknown>)
        groups.set(k, groups.has(k) ? combine(groups.get(k), v) : v);
    },
    result: () => groups,
  };
}

export function groupByMerge(): Merge<Map<unknown, unknown[]>> {
  const groups = new Map<unknown, unknown[]>();
  return {
    add(p) {
      for (const [k, items] of p as Map<unknown, unknown[]>) {
        const group = groups.get(k);
        if (group) for (const item of items) group.push(item);
        else groups.set(k, items);
      }
    },
    result: () => groups,
  };
}
