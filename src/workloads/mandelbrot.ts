// mandelbrot: an escape-time image, one item per row. Rows through the set run many pixels to maxIter while
// rows at the edge escape at once, so items differ in cost up to 300 times: a test of load balancing.
import type { Pool } from "../pool/pool.ts";
import { mandelbrotRow, type Scene } from "./kernels/mandelbrot.ts";
import { checkSize } from "./size.ts";
import * as tasks from "./tasks.ts";
import type { SceneRow } from "./tasks.ts";
import type { Workload } from "./workload.ts";

const name = "mandelbrot";
const counts = "the image's side in pixels";
// One pixel per side would put the whole image on a single point of the plane.
const smallest = 2;
/** Iterations before a pixel counts as inside the set: what the dearest pixels cost. */
export const maxIter = 1_000;

/** The image `weft bench mandelbrot --size <side>` draws. */
export function sceneOfSide(size: number): Scene {
  const side = checkSize(name, size, counts, smallest);
  return { width: side, height: side, maxIter };
}

/** A scene in words, for tables: "Mandelbrot 2000×2000, maxIter 1,000". */
export function describeScene(scene: Scene): string {
  const w = scene.window;
  const window = w ? ` of [${w.reMin}, ${w.reMax}] × [${w.imMin}, ${w.imMax}]` : "";
  return `Mandelbrot ${scene.width}×${scene.height}${window}, maxIter ${scene.maxIter.toLocaleString("en-US")}`;
}

export const mandelbrot: Workload<Uint16Array[]> = {
  name,
  summary: "Mandelbrot image, one item per row: rows whose costs differ up to 300 times",
  unit: "rows",
  defaultSize: 2_000,
  quickSize: 300,
  describe: (size) => describeScene(sceneOfSide(size)),
  items: (size) => sceneOfSide(size).height,
  sequential(size) {
    const scene = sceneOfSide(size);
    return Array.from({ length: scene.height }, (_, y) => mandelbrotRow(y, scene));
  },
  async parallel(pool: Pool, size, _knobs, options = {}) {
    const scene = sceneOfSide(size);
    const rows: SceneRow[] = Array.from({ length: scene.height }, (_, y) => ({ y, scene }));
    return await pool.from(rows).map(tasks.mandelbrotRow).options(options).collect();
  },
  mismatch(expected, got) {
    if (got.length !== expected.length) return `${got.length} rows, expected ${expected.length}`;
    for (let y = 0; y < expected.length; y++) {
      const want = expected[y]!;
      const row = got[y];
      if (!(row instanceof Uint16Array) || row.length !== want.length) {
        return `row ${y} is not ${want.length} pixels of iteration counts`;
      }
      const x = want.findIndex((iterations, i) => row[i] !== iterations);
      if (x >= 0) return `pixel (${x}, ${y}) took ${row[x]} iterations, expected ${want[x]}`;
    }
    return undefined;
  },
};
