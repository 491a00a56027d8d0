// The functions the peers' workers export: the shared kernels, taking the one argument a peer's run/exec passes.
import { countPrimes as countKernel, mandelbrotRow as rowKernel, type Scene } from "../workloads/kernels.ts";

export { increment, isPrime } from "../workloads/kernels.ts";

export function countPrimes({ from, to }: { from: number; to: number }): number {
  return countKernel(from, to);
}

export function mandelbrotRow({ y, scene }: { y: number; scene: Scene }): Uint16Array {
  return rowKernel(y, scene);
}
