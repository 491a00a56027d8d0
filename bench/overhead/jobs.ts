// The jobs whose per-item overhead `npm run bench` measures: each a weft job on the tiny kernel (mix, a few
// tens of nanoseconds of integer arithmetic) and the plain loop a user would write for the same answer.
import type { Pool } from "../../src/index.ts";
import { add } from "../../src/workloads/kernels/arithmetic.ts";
import { addMix, mix, mixIsEven } from "../../src/workloads/kernels/mix.ts";
import * as builtIn from "../../src/workloads/tasks.ts";
import { firstDifference } from "../workloads/check.ts";
import * as tasks from "../workloads/tasks.ts";

export const overheadJobNames = ["map", "filter", "count", "reduce", "fold"] as const;
export type OverheadJobName = (typeof overheadJobNames)[number];

export interface OverheadJob<A> {
  readonly name: OverheadJobName;
  /** The weft job, as code, for the tables. */
  readonly code: string;
  /** The same work in a plain loop on this thread, over [0, n). */
  plain(n: number): A;
  weft(pool: Pool, n: number): Promise<A>;
  /** Why weft's answer differs from the plain loop's, or undefined when it is the same. */
  mismatch(expected: A, got: A): string | undefined;
}

const sameArray = (expected: number[], got: number[]) => firstDifference(expected, got, expected.length);
const sameNumber = (expected: number, got: number) =>
  got === expected ? undefined : `got ${got}, expected ${expected}`;

const map: OverheadJob<number[]> = {
  name: "map",
  code: "range(0, n).map(mix).collect()",
  plain(n) {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(mix(i));
    return out;
  },
  weft: (pool, n) => pool.range(0, n).map(builtIn.mix).collect(),
  mismatch: sameArray,
};

const filter: OverheadJob<number[]> = {
  name: "filter",
  code: "range(0, n).filter(mixIsEven).collect()",
  plain(n) {
    const out: number[] = [];
    for (let i = 0; i < n; i++) if (mixIsEven(i)) out.push(i);
    return out;
  },
  weft: (pool, n) => pool.range(0, n).filter(tasks.mixIsEven).collect(),
  mismatch: sameArray,
};

const count: OverheadJob<number> = {
  name: "count",
  code: "range(0, n).filter(mixIsEven).count()",
  plain(n) {
    let kept = 0;
    for (let i = 0; i < n; i++) if (mixIsEven(i)) kept++;
    return kept;
  },
  weft: (pool, n) => pool.range(0, n).filter(tasks.mixIsEven).count(),
  mismatch: sameNumber,
};

const reduce: OverheadJob<number> = {
  name: "reduce",
  code: "range(0, n).map(mix).reduce(add, 0)",
  plain(n) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += mix(i);
    return sum;
  },
  weft: (pool, n) => pool.range(0, n).map(builtIn.mix).reduce(builtIn.add, 0),
  mismatch: sameNumber,
};

const fold: OverheadJob<number> = {
  name: "fold",
  code: "range(0, n).fold(0, addMix, add)",
  plain(n) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum = addMix(sum, i);
    return sum;
  },
  weft: (pool, n) => pool.range(0, n).fold(0, tasks.addMix, add),
  mismatch: sameNumber,
};

export const overheadJobs: readonly OverheadJob<unknown>[] = [map, filter, count, reduce, fold];
