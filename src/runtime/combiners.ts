// The worker-side half of each terminal: folds a chunk's outputs into one partial.
import { packOutputs, type CollectedPart } from "../protocol/packing.ts";
import type { Terminal } from "../protocol/plan.ts";
import type { TaskRef } from "../protocol/task-ref.ts";
import { isThenable } from "../protocol/thenable.ts";

/**
 * A chunk's accumulator. The generated loop (fast-loop.ts) keeps `acc`, `has` and `count` in locals
 * while it runs and stores them back here when it stops, so the common terminals cost no call per
 * item; `add` is the same step for the general pipeline.
 */
export interface Combiner {
  readonly op: Terminal["op"];
  readonly task: TaskRef | undefined;
  acc: unknown;
  has: boolean;
  count: number;
  readonly values: unknown[];
  /**
   * `collect`'s outputs while every one is a number, written by the generated loop straight into a
   * typed array the size of the chunk (`numbered` of them so far): undefined until the loop first
   * runs, null once an output was not a number and they all went to `values`. An array of millions of
   * numbers built item by item, then packed to travel, cost the worker more than the work itself.
   * Only a `collect`'s combiner has them.
   */
  numbers?: Float64Array | null | undefined;
  numbered?: number;
  /** Moves the numbers so far to `values`, which takes every output from then on; returns null. */
  unpackNumbers?(): null;
  /** A plain function (no `this`), so a call site sees one function per job. */
  readonly add: (value: unknown) => PromiseLike<unknown> | undefined;
  /** The terminal's own step went async and resolved with `value`: the new accumulator. */
  accept(value: unknown): void;
  /** The chunk's partial, or the promise of it (a shuffle's, once its files are written). */
  result(): unknown;
  /** The chunk failed: what the combiner wrote goes. */
  discard?(): Promise<void>;
}

type Fn = (...args: unknown[]) => unknown;

class ChunkCombiner implements Combiner {
  has = false;
  count = 0;
  readonly values: unknown[] = [];
  numbers: Float64Array | null | undefined = undefined;
  numbered = 0;
  add: Combiner["add"] = () => undefined;
  result: () => unknown = () => undefined;

  constructor(
    readonly op: Terminal["op"],
    readonly task: TaskRef | undefined,
    public acc: unknown,
  ) {}

  accept(value: unknown): void {
    this.acc = value;
    this.has = true;
  }

  unpackNumbers(): null {
    const { numbers, numbered } = this;
    if (numbers) for (let i = 0; i < numbered; i++) this.values.push(numbers[i]);
    this.numbers = null;
    this.numbered = 0;
    return null;
  }

  /** `collect`'s partial: the typed array as it travels, or the values, packed if they can be. */
  collected(): CollectedPart {
    const { numbers, numbered } = this;
    if (!numbers || numbered === 0) return packOutputs(this.values);
    return { numbers: numbered === numbers.length ? numbers : numbers.slice(0, numbered) };
  }
}

/** What a combiner needs of a loaded job (loaded-job.ts): its terminal, with that terminal's functions loaded. */
export interface LoadedTerminal {
  readonly spec: { readonly terminal: Terminal };
  readonly terminalFns: readonly unknown[];
  readonly terminalRefs: readonly TaskRef[];
}

/**
 * A new combiner for one chunk of `job`. A shuffle's loads its module on first use, so a worker that
 * never shuffles never loads it (loading modules is a good part of a worker's start).
 */
export async function makeCombiner(job: LoadedTerminal): Promise<Combiner> {
  const terminal = job.spec.terminal;
  const [first, second, third] = job.terminalFns as Fn[];
  // The references as the worker loaded them, which name the export where the pool could not.
  const [task] = job.terminalRefs;
  if (terminal.op === "shuffle") {
    const { ShuffleCombiner } = await import("./shuffle/shuffle-combiner.ts");
    // In the order loaded-job.ts lists them: key, value, combine, each only when the terminal has it.
    const fns = [...(job.terminalFns as Fn[])];
    const key = terminal.key ? fns.shift() : undefined;
    const value = terminal.value ? fns.shift() : undefined;
    const combine = terminal.keyed.kind === "reduceByKey" ? fns.shift() : undefined;
    return new ShuffleCombiner(terminal, task, key, value, combine);
  }
  const c = new ChunkCombiner(
    terminal.op,
    task,
    terminal.op === "fold" ? structuredClone(terminal.zero) : undefined,
  );
  switch (terminal.op) {
    case "collect":
      // The items the generated loop handed on (an async step's) go where it writes.
      c.add = (v) => {
        const { numbers } = c;
        if (numbers && typeof v === "number" && c.numbered < numbers.length) numbers[c.numbered++] = v;
        else {
          if (numbers !== null) c.unpackNumbers();
          c.values.push(v);
        }
        return undefined;
      };
      c.result = () => c.collected();
      return c;
    case "count":
      c.add = () => void c.count++;
      c.result = () => c.count;
      return c;
    case "reduce":
      c.add = (v) => {
        if (!c.has) {
          c.accept(v);
          return undefined;
        }
        return step(c, first!(c.acc, v));
      };
      c.result = () => (c.has ? { has: true, value: c.acc } : { has: false });
      return c;
    case "fold":
      c.add = (v) => step(c, first!(c.acc, v));
      c.result = () => c.acc;
      return c;
    case "reduceByKey": {
      const groups = new Map<unknown, unknown>();
      c.add = (v) => {
        const k = first!(v);
        const x = third ? third(v) : v;
        // One lookup for a key seen before; `has` only when the stored value could be undefined.
        const previous = groups.get(k);
        groups.set(k, previous !== undefined || groups.has(k) ? second!(previous, x) : x);
        return undefined;
      };
      c.result = () => groups;
      return c;
    }
    case "groupBy": {
      const groups = new Map<unknown, unknown[]>();
      c.add = (v) => {
        const k = first!(v);
        const group = groups.get(k);
        if (group) group.push(v);
        else groups.set(k, [v]);
        return undefined;
      };
      c.result = () => groups;
      return c;
    }
    case "write":
      throw new Error("unreachable: a sink's combiner is its SinkCombiner (files/sink-combiner.ts)");
    case "call":
      throw new Error("unreachable: calls are run by runCalls");
  }
}

/** Takes a reducer's output as the accumulator, or the promise of it. */
function step(c: Combiner, out: unknown): PromiseLike<unknown> | undefined {
  if (isThenable(out)) return out.then((r) => c.accept(r));
  c.accept(out);
  return undefined;
}
