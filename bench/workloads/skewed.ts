// skewed: a Mandelbrot image, one item per row. Edge rows escape at once, middle rows run to maxIter.
import type { PeerPool } from "../peers/peer.ts";
import type { Pool } from "../../src/index.ts";
import { firstDifference } from "./check.ts";
import { mandelbrotRow as rowKernel } from "./kernels.ts";
import { fullScene, quickScene } from "./scenes.ts";
import { mandelbrotRow, mandelbrotRowQuick } from "./tasks.ts";
import type { Workload } from "./workload.ts";

export function skewed(quick: boolean): Workload<Uint16Array[]> {
  const scene = quick ? quickScene : fullScene;
  const rowTask = quick ? mandelbrotRowQuick : mandelbrotRow;
  const rows = scene.height;
  return {
    name: "skewed",
    size: `Mandelbrot ${scene.width}x${scene.height}, maxIter ${scene.maxIter}`,
    items: rows,
    unit: "rows",
    target: { kind: "speedup", min: 1.9 },
    sequential: () => Array.from({ length: rows }, (_, y) => rowKernel(y, scene)),
    weft: (pool: Pool, faults) =>
      pool
        .range(0, rows)
        .map(rowTask)
        .options(faults ?? {})
        .collect(),
    async peer(pool: PeerPool) {
      const answer = await Promise.all(
        Array.from({ length: rows }, (_, y) => pool.call("mandelbrotRow", { y, scene })),
      );
      return { answer, items: rows };
    },
    mismatch(expected, got) {
      if (got.answer.length !== rows) return `${got.answer.length} rows where ${rows} were expected`;
      for (let y = 0; y < rows; y++) {
        const why = firstDifference(expected[y]!, got.answer[y]!, scene.width, "pixel");
        if (why !== undefined) return `row ${y}, ${why}`;
      }
      return undefined;
    },
  };
}
