// The main-thread half of each terminal: combines the partials that chunks send back, in input order.
import { EmptyReduceError } from "../errors.ts";
import { appendPart, type CollectedPart } from "../protocol/packing.ts";
import { isThenable } from "../protocol/thenable.ts";

/** Receives partials in chunk order and produces the job's result. */
export interface Merge<R> {
  add(partial: unknown): void;
  result(): R;
  /** At most `items` values come (see Output.expect). */
  expect?(items: number): void;
}

type Fn2 = (a: unknown, b: unknown) => unknown;

/** The longest array V8 makes with fast elements up front: `new Array(n)` beyond it is a slow dictionary. */
const longestPresized = 2 ** 25;

export function collectMerge(): Merge<unknown[]> {
  let all: unknown[] = [];
  let expected = 0;
  let filled = 0;
  return {
    // Room for every value at once when their number is known: an array of millions grown by
    // push is copied again at each growth, which cost more than filling it. Made with the first
    // part, not at once: making it takes a while (every page of it is new memory), and before the
    // first chunk is sent that while is the workers'.
    expect(items) {
      if (items <= longestPresized) expected = items;
    },
    // Copied as each part arrives, while the workers compute: at the end, building one array of
    // millions of items kept the job waiting on this thread alone.
    add(p) {
      if (filled === 0 && expected > 0) all = new Array<unknown>(expected);
      expected = 0;
      filled = appendPart(p as CollectedPart, all, filled);
    },
    result() {
      if (all.length > filled) all.length = filled;
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
