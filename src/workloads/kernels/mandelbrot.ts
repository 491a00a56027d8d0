// Escape-time Mandelbrot rows: the mandelbrot workload's kernel, whose rows differ widely in cost.

/** A rectangle of the complex plane. */
export interface Window {
  readonly reMin: number;
  readonly reMax: number;
  readonly imMin: number;
  readonly imMax: number;
}

/** What part of the complex plane to draw, at what resolution and depth. */
export interface Scene {
  readonly width: number;
  readonly height: number;
  readonly maxIter: number;
  /** @default {@link wholeSet} */
  readonly window?: Window;
}

/** The whole set, square, so rows through its middle cost up to maxIter per pixel and edge rows almost nothing. */
export const wholeSet: Window = { reMin: -2.0, reMax: 0.5, imMin: -1.25, imMax: 1.25 };

/** Escape-time iteration counts of row `y`; a Uint16Array because maxIter stays below 65,536. */
export function mandelbrotRow(y: number, scene: Scene): Uint16Array {
  const { width, height, maxIter } = scene;
  const { reMin, reMax, imMin, imMax } = scene.window ?? wholeSet;
  const row = new Uint16Array(width);
  const ci = imMin + ((imMax - imMin) * y) / (height - 1);
  for (let x = 0; x < width; x++) {
    const cr = reMin + ((reMax - reMin) * x) / (width - 1);
    let zr = 0;
    let zi = 0;
    let i = 0;
    while (i < maxIter && zr * zr + zi * zi <= 4) {
      const t = zr * zr - zi * zi + cr;
      zi = 2 * zr * zi + ci;
      zr = t;
      i++;
    }
    row[x] = i;
  }
  return row;
}
