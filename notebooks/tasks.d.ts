// The types of tasks.js. The notebook's kernel takes a module's types from a .d.ts beside it and
// leaves the module itself to Node, which loads it as the ES module the workers import.
import type { Task } from "weft";

/** Row `y` of a Mandelbrot image of the whole set, `width` × `height` pixels. */
export interface ImageRow {
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly maxIter: number;
}

export declare const isPrime: Task<[n: number], boolean>;
export declare const countPrimes: Task<[from: number, to: number], number>;
export declare const sum: Task<number[], number>;
export declare const add: Task<[a: number, b: number], number>;
export declare const mandelbrotRow: Task<[row: ImageRow], Uint16Array>;
export declare const words: Task<[line: string], string[]>;
export declare const isPrimeOrCrash: Task<[n: number], boolean>;
