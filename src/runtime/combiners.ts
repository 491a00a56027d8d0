// The worker-side half of each terminal: folds a chunk's outputs into one partial.
import { packOutputs } from "../plan/packing.ts";
import type { TaskRef } from "../task/task-ref.ts";
import type { LoadedJob } from "./loaded-job.ts";
import { isThenable } from "./thenable.ts";

export interface Combiner {
  readonly task: TaskRef | undefined;
  /** A plain function (no `this`), so the generated loop can call it directly. */
  readonly add: (value: unknown) => PromiseLike<unknown> | undefined;
  result(): unknown;
}

export function makeCombiner(job: LoadedJob): Combiner {
  const terminal = job.spec.terminal;
  const [first, second, third] = job.terminalFns;
  // The references as the worker loaded them, which name the export where the pool could not.
  const [firstRef] = job.terminalRefs;
  switch (terminal.op) {
    case "collect": {
      const values: unknown[] = [];
      return { task: undefined, add: (v) => void values.push(v), result: () => packOutputs(values) };
    }
    case "count": {
      let n = 0;
      return { task: undefined, add: () => void n++, result: () => n };
    }
    case "reduce": {
      let has = false;
      let acc: unknown;
      return {
        task: firstRef,
        add(v) {
          if (!has) {
            has = true;
            acc = v;
            return undefined;
          }
          const out = first!(acc, v);
          if (isThenable(out)) return out.then((r) => void (acc = r));
          acc = out;
          return undefined;
        },
        result: () => (has ? { has, value: acc } : { has }),
      };
    }
    case "fold": {
      let acc = structuredClone(terminal.zero);
      return {
        task: firstRef,
        add(v) {
          const out = first!(acc, v);
          if (isThenable(out)) return out.then((r) => void (acc = r));
          acc = out;
          return undefined;
        },
        result: () => acc,
      };
    }
    case "reduceByKey": {
      const groups = new Map<unknown, unknown>();
      const key = first!;
      const combine = second!;
      const value = third;
      return {
        task: firstRef,
        add(v) {
          const k = key(v);
          const x = value ? value(v) : v;
          // One lookup for a key seen before; `has` only when the stored value could be undefined.
          const previous = groups.get(k);
          groups.set(k, previous !== undefined || groups.has(k) ? combine(previous, x) : x);
          return undefined;
        },
        result: () => groups,
      };
    }
    case "groupBy": {
      const groups = new Map<unknown, unknown[]>();
      return {
        task: firstRef,
        add(v) {
          const k = first!(v);
          const group = groups.get(k);
          if (group) group.push(v);
          else groups.set(k, [v]);
          return undefined;
        },
        result: () => groups,
      };
    }
    case "call":
      throw new Error("unreachable: calls are run by runCalls");
  }
}
