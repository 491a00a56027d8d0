// The built-in workloads' tasks, which weft's workers import by this module's URL. Each is a kernel that the
// sequential references call directly, or unpacks its item for one, so both runs execute the same code: a map
// task takes only its item, so whatever else the kernel needs travels in the item.
import { task } from "../task/task.ts";
import * as arithmetic from "./kernels/arithmetic.ts";
import * as mandelbrot from "./kernels/mandelbrot.ts";
import * as matmul from "./kernels/matmul.ts";
import * as mixing from "./kernels/mix.ts";
import * as pareto from "./kernels/pareto.ts";
import * as pi from "./kernels/pi.ts";
import * as primes from "./kernels/primes.ts";
import * as busyWork from "./kernels/spin.ts";
import * as text from "./kernels/text.ts";

/** Rows [rowStart, rowEnd) of A·B. On a SharedArrayBuffer, `a` and `b` are shared between threads, not copied. */
export interface RowBlock {
  readonly a: Float64Array;
  readonly b: Float64Array;
  readonly n: number;
  readonly rowStart: number;
  readonly rowEnd: number;
}

/** Row `y` of a Mandelbrot image. */
export interface SceneRow {
  readonly y: number;
  readonly scene: mandelbrot.Scene;
}

/** One synthetic item: `rounds` of busy work from its own seed. */
export interface SpinItem {
  readonly index: number;
  readonly rounds: number;
}

export const add = task(import.meta.url, arithmetic.add);
export const addUint32 = task(import.meta.url, arithmetic.addUint32);
export const addBigInts = task(import.meta.url, arithmetic.addBigInts);
export const squareBigInt = task(import.meta.url, arithmetic.squareBigInt);
export const one = task(import.meta.url, arithmetic.one);
export const isPrime = task(import.meta.url, primes.isPrime);
export const pointsInBatch = task(import.meta.url, pi.pointsInside);
export const textLine = task(import.meta.url, text.textLine);
export const words = task(import.meta.url, text.wordsOf);
export const wordKey = task(import.meta.url, (word: string) => word);

export const multiplyBlock = task(import.meta.url, (block: RowBlock) =>
  matmul.multiplyRows(block.a, block.b, block.n, block.rowStart, block.rowEnd),
);

export const mandelbrotRow = task(import.meta.url, (row: SceneRow) =>
  mandelbrot.mandelbrotRow(row.y, row.scene),
);

export const spinItem = task(import.meta.url, (item: SpinItem) => busyWork.spin(item.index, item.rounds));

export const mix = task(import.meta.url, mixing.mix);
export const paretoItem = task(import.meta.url, pareto.paretoItem);
