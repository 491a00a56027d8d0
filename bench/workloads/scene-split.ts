// The hand split of a Mandelbrot scene, shared by skewed and skewed-middle: half of the rows to each worker.
import type { Scene } from "../../src/workloads/kernels/mandelbrot.ts";
import { equalRanges, joinRows } from "../split/combine.ts";
import type { SplitPool } from "../split/split-pool.ts";

export async function splitRows(pool: SplitPool, scene: Scene): Promise<Uint16Array[]> {
  const parts = equalRanges(0, scene.height, pool.workers).map((rows) => ({ scene, ...rows }));
  return joinRows(await pool.run("mandelbrotRows", parts), scene.width);
}
