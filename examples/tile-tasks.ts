// A task that renders one tile of the Mandelbrot set into a buffer of its own and hands the buffer
// back with transfer(): from a worker thread it is moved to the pool, not copied.
import { task, transfer } from "../src/index.ts";

export interface Tile {
  readonly row: number;
  readonly column: number;
  readonly size: number;
  /** Tiles across the whole image, which spans [-2, 1] × [-1.5, 1.5]. */
  readonly tiles: number;
}

// #region render
/** The tile's escape counts, one byte per pixel, row by row. */
export const renderTile = task(import.meta.url, ({ row, column, size, tiles }: Tile) => {
  const pixels = new Uint8Array(size * size);
  const scale = 3 / (size * tiles);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const cr = -2 + (column * size + x) * scale;
      const ci = -1.5 + (row * size + y) * scale;
      let zr = 0;
      let zi = 0;
      let n = 0;
      for (; n < 255 && zr * zr + zi * zi <= 4; n++) {
        const next = zr * zr - zi * zi + cr;
        zi = 2 * zr * zi + ci;
        zr = next;
      }
      pixels[y * size + x] = n;
    }
  }
  return transfer(pixels);
});
// #endregion
