// The hand split's handlers, one per kind of workload: each computes one worker's part of the input with
// the kernels the sequential code uses, and returns it in a form that travels cheaply (a count, a sum, or
// a typed array the worker hands over without a copy).
import { mandelbrotRow, type Scene } from "../../src/workloads/kernels/mandelbrot.ts";
import { sumMix } from "../../src/workloads/kernels/mix.ts";
import { sumParetoItems } from "../../src/workloads/kernels/pareto.ts";
import { countPrimes as countKernel, isPrime } from "../../src/workloads/kernels/primes.ts";
import type { IndexRange } from "./combine.ts";

/** A part of a Mandelbrot scene: rows [from, to). */
export interface SceneRows extends IndexRange {
  readonly scene: Scene;
}

/** Nothing: a first call, so that startup is measured up to a first answer. */
export function ping(): number {
  return 0;
}

/** fine: 1 for each prime in `numbers`, 0 for the others. */
export function isPrimes(numbers: Int32Array): Uint8Array {
  const out = new Uint8Array(numbers.length);
  for (let i = 0; i < numbers.length; i++) out[i] = isPrime(numbers[i]!) ? 1 : 0;
  return out;
}

/** coarse: the primes in [from, to). */
export function countPrimes({ from, to }: IndexRange): number {
  return countKernel(from, to);
}

/** skewed and skewed-middle: rows [from, to) of the scene, one after the other in one array. */
export function mandelbrotRows({ scene, from, to }: SceneRows): Uint16Array {
  const out = new Uint16Array((to - from) * scene.width);
  for (let y = from; y < to; y++) out.set(mandelbrotRow(y, scene), (y - from) * scene.width);
  return out;
}

/** tiny: Σ mix(i) over [from, to). */
export function sumMixed({ from, to }: IndexRange): number {
  return sumMix(from, to);
}

/** skewed-random: items [from, to) of the pareto workload, summed modulo 2^32. */
export function sumPareto({ from, to }: IndexRange): number {
  return sumParetoItems(from, to);
}

/** The core-balance check (../core-balance.ts): Σ mix(i) over [0, items), and how long it took here, in ms. */
export function calibrate(items: number): number {
  const t0 = performance.now();
  sumMix(0, items);
  return performance.now() - t0;
}
