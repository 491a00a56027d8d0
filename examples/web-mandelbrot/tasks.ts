// The demo's task: one row of the Mandelbrot set, as escape-time iteration counts. The page calls it
// directly for the sequential run and through the pool for the parallel one.
import { task } from "weft/browser";
import { mandelbrotRow, type Scene } from "../../src/workloads/kernels/mandelbrot.ts";

// #region task
/** The whole set at 1,200 × 800 pixels, up to 2,000 iterations: rows through the middle cost the most. */
export const scene: Scene = { width: 1200, height: 800, maxIter: 2000 };

export const renderRow = task(import.meta.url, (y: number) => mandelbrotRow(y, scene));
// #endregion
