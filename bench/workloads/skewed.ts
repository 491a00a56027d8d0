// skewed: the built-in mandelbrot workload, one item per row. Edge rows escape at once, middle rows run to maxIter.
import type { PeerPool } from "../peers/peer.ts";
import type { Pool } from "../../src/index.ts";
import { mandelbrot, sceneOfSide } from "../../src/workloads/mandelbrot.ts";
import { splitRows } from "./scene-split.ts";
import { speedupTarget, type Workload } from "./workload.ts";

export function skewed(quick: boolean): Workload<Uint16Array[]> {
  const side = quick ? 500 : 2000;
  const scene = sceneOfSide(side);
  return {
    name: "skewed",
    size: mandelbrot.describe(side),
    items: side,
    unit: "rows",
    target: speedupTarget,
    versusBestPeer: true,
    sequential: () => mandelbrot.sequential(side),
    weft: (pool: Pool, faults) => mandelbrot.parallel(pool, side, {}, faults),
    async peer(pool: PeerPool) {
      const answer = await Promise.all(
        Array.from({ length: side }, (_, y) => pool.call("mandelbrotRow", { y, scene })),
      );
      return { answer, items: side };
    },
    split: (pool) => splitRows(pool, scene),
    mismatch: (expected, got) => mandelbrot.mismatch(expected, got.answer),
  };
}
