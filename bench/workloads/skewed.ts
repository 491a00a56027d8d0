// skewed: the built-in mandelbrot workload, one item per row. Edge rows escape at once, middle rows run to maxIter.
import type { PeerPool } from "../peers/peer.ts";
import type { Pool } from "../../src/index.ts";
import { mandelbrot, sceneOfSide } from "../../src/workloads/mandelbrot.ts";
import type { Workload } from "./workload.ts";

export function skewed(quick: boolean): Workload<Uint16Array[]> {
  const side = quick ? 500 : 2000;
  return {
    name: "skewed",
    size: mandelbrot.describe(side),
    items: side,
    unit: "rows",
    target: { kind: "speedup", min: 1.9 },
    sequential: () => mandelbrot.sequential(side),
    weft: (pool: Pool, faults) => mandelbrot.parallel(pool, side, {}, faults),
    async peer(pool: PeerPool) {
      const scene = sceneOfSide(side);
      const answer = await Promise.all(
        Array.from({ length: side }, (_, y) => pool.call("mandelbrotRow", { y, scene })),
      );
      return { answer, items: side };
    },
    mismatch: (expected, got) => mandelbrot.mismatch(expected, got.answer),
  };
}
