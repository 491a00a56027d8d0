// skewed-middle: a Mandelbrot view whose dear rows come in one block in the middle, one item per row of
// 2,000 pixels: the set seen from further out and deeper (2,000 iterations), so the first and last
// third of the rows escape at once and every dear row sits in the middle two fifths: a different shape
// of skew from the whole set's wider hump (`skewed`), and a job whose first chunks say nothing of it.
import type { PeerPool } from "../peers/peer.ts";
import type { Pool } from "../../src/index.ts";
import type { Scene, Window } from "../../src/workloads/kernels/mandelbrot.ts";
import { mandelbrotRow } from "../../src/workloads/kernels/mandelbrot.ts";
import { describeScene, mandelbrot } from "../../src/workloads/mandelbrot.ts";
import * as tasks from "../../src/workloads/tasks.ts";
import type { SceneRow } from "../../src/workloads/tasks.ts";
import { splitRows } from "./scene-split.ts";
import { speedupTarget, type Workload } from "./workload.ts";

const width = 2_000;
const view: Window = { reMin: -2.6, reMax: 1.4, imMin: -2.0, imMax: 2.0 };
const viewMaxIter = 2_000;

export function skewedMiddle(quick: boolean): Workload<Uint16Array[]> {
  const scene: Scene = { width, height: quick ? 500 : 2_000, maxIter: viewMaxIter, window: view };
  const rows: SceneRow[] = Array.from({ length: scene.height }, (_, y) => ({ y, scene }));
  return {
    name: "skewed-middle",
    size: describeScene(scene),
    items: scene.height,
    unit: "rows",
    target: speedupTarget,
    versusBestPeer: true,
    sequential: () => rows.map(({ y }) => mandelbrotRow(y, scene)),
    weft: (pool: Pool, faults) =>
      pool
        .from(rows)
        .map(tasks.mandelbrotRow)
        .options(faults ?? {})
        .collect(),
    async peer(pool: PeerPool) {
      const answer = await Promise.all(rows.map((row) => pool.call("mandelbrotRow", row)));
      return { answer, items: scene.height };
    },
    split: (pool) => splitRows(pool, scene),
    mismatch: (expected, got) => mandelbrot.mismatch(expected, got.answer),
  };
}
