// The general per-item pipeline: any stages, sync or async. Runs what the generated loop does not.
import type { Stage } from "../protocol/plan.ts";
import type { TaskRef } from "../protocol/task-ref.ts";
import type { Combiner } from "./combiners.ts";
import type { LoadedStage } from "./loaded-job.ts";
import { isThenable } from "../protocol/thenable.ts";
import { iteratorOf } from "./fast-loop.ts";

/**
 * Pushes one value through the stages from a given index into the combiner. Every method returns
 * undefined when all ran synchronously, and a promise only when some task was async.
 */
export class Pipeline {
  /** The task running when something threw, for the error message. */
  failingTask: TaskRef | undefined;

  constructor(
    readonly stages: readonly LoadedStage[],
    readonly combiner: Combiner,
  ) {}

  advance(value: unknown, from: number): PromiseLike<unknown> | undefined {
    const { stages } = this;
    for (let i = from; i < stages.length; i++) {
      const stage = stages[i]!;
      this.failingTask = stage.ref;
      const out = stage.fn(value);
      if (isThenable(out)) return out.then((resolved) => this.afterStage(stage.op, resolved, value, i));
      if (stage.op === "map") value = out;
      else if (stage.op === "filter") {
        if (!out) return undefined;
      } else return this.each(out, i + 1);
    }
    this.failingTask = this.combiner.task;
    return this.combiner.add(value);
  }

  /** Continues after stage `i` gave `out` for `value`. */
  afterStage(op: Stage["op"], out: unknown, value: unknown, i: number): PromiseLike<unknown> | undefined {
    if (op === "map") return this.advance(out, i + 1);
    if (op === "filter") return out ? this.advance(value, i + 1) : undefined;
    return this.each(out, i + 1);
  }

  each(values: unknown, next: number): PromiseLike<unknown> | undefined {
    // Most flatMap tasks return arrays: indexing them skips an iterator object and a result object per value.
    if (Array.isArray(values)) return this.eachOf(values, 0, next);
    return this.eachLeft(iteratorOf(values), next);
  }

  /** Pushes what `iterator` has still to give through the stages from `next`. */
  eachLeft(iterator: Iterator<unknown>, next: number): PromiseLike<unknown> | undefined {
    const loop = (): PromiseLike<unknown> | undefined => {
      for (let step = iterator.next(); !step.done; step = iterator.next()) {
        const pending = this.advance(step.value, next);
        if (pending) return pending.then(loop);
      }
      return undefined;
    };
    return loop();
  }

  eachOf(values: readonly unknown[], from: number, next: number): PromiseLike<unknown> | undefined {
    for (let i = from; i < values.length; i++) {
      const pending = this.advance(values[i], next);
      if (pending) return pending.then(() => this.eachOf(values, i + 1, next));
    }
    return undefined;
  }
}
