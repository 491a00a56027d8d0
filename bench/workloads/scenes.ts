// The Mandelbrot image sizes, in one place because weft's tasks must bind them at import time.
import type { Scene } from "./kernels.ts";

export const fullScene: Scene = { width: 2000, height: 2000, maxIter: 1000 };
export const quickScene: Scene = { width: 500, height: 500, maxIter: 1000 };
