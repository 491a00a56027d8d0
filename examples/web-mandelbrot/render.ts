// The demo's measurement: the set rendered on the page's thread and with weft, timed warm and in
// alternating rounds, and checked to be the same image.
import type { Pool } from "weft/browser";
import { renderRow, scene } from "./tasks.ts";

export interface Comparison {
  /** Each round's time, in ms. */
  readonly times: { readonly sequential: number[]; readonly parallel: number[] };
  /** The median sequential time over the median parallel one. */
  readonly speedup: number;
  /** Whether every round gave the same rows both ways. */
  readonly identical: boolean;
  readonly rows: Uint16Array[];
}

const median = (times: number[]) => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;

async function timed<T>(render: () => T | Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await render();
  return { value, ms: performance.now() - start };
}

const sameRows = (a: Uint16Array[], b: Uint16Array[]) =>
  a.length === b.length && a.every((row, y) => row.every((v, x) => v === b[y]![x]));

// #region compare
/** Renders every row on this thread, then on the pool's workers, `rounds` times, after an untimed round of each. */
export async function compare(pool: Pool, rounds: number): Promise<Comparison> {
  const sequential = () => Array.from({ length: scene.height }, (_, y) => renderRow(y));
  const parallel = () => pool.range(0, scene.height).map(renderRow).collect();
  await timed(sequential);
  await timed(parallel);
  const times = { sequential: [] as number[], parallel: [] as number[] };
  let identical = true;
  let rows: Uint16Array[] = [];
  for (let round = 0; round < rounds; round++) {
    const one = await timed(sequential);
    const many = await timed(parallel);
    times.sequential.push(one.ms);
    times.parallel.push(many.ms);
    identical &&= sameRows(one.value, many.value);
    rows = many.value;
  }
  return { times, speedup: median(times.sequential) / median(times.parallel), identical, rows };
}
// #endregion
