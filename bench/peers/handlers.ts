// The functions the peers' workers export: the shared kernels, taking the one argument a peer's run/exec passes.
import { mandelbrotRow as rowKernel, type Scene } from "../../src/workloads/kernels/mandelbrot.ts";
import { sumMix } from "../../src/workloads/kernels/mix.ts";
import { countPrimes as countKernel } from "../../src/workloads/kernels/primes.ts";

export { increment } from "../workloads/kernels.ts";
export { isPrime } from "../../src/workloads/kernels/primes.ts";
export { paretoItem } from "../../src/workloads/kernels/pareto.ts";

export function countPrimes({ from, to }: { from: number; to: number }): number {
  return countKernel(from, to);
}

export function sumMixed({ from, to }: { from: number; to: number }): number {
  return sumMix(from, to);
}

export function mandelbrotRow({ y, scene }: { y: number; scene: Scene }): Uint16Array {
  return rowKernel(y, scene);
}
