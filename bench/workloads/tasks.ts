// weft's task module: the kernels exported as tasks, which weft's workers import by this module's URL.
import { task } from "../../src/index.ts";
import * as kernels from "./kernels.ts";
import { fullScene, quickScene } from "./scenes.ts";

// The kernel functions themselves, not wrappers, so weft runs exactly the code the others run.
export const isPrime = task(import.meta.url, kernels.isPrime);
export const increment = task(import.meta.url, kernels.increment);

// A map task takes only the item, so each scene gets its own task with the scene bound in.
export const mandelbrotRow = task(import.meta.url, (y: number) => kernels.mandelbrotRow(y, fullScene));
export const mandelbrotRowQuick = task(import.meta.url, (y: number) => kernels.mandelbrotRow(y, quickScene));
