// The built-in workloads by name, in the order they run and print.
import { mandelbrot } from "./mandelbrot.ts";
import { matmul } from "./matmul.ts";
import { pareto } from "./pareto.ts";
import { pi } from "./pi.ts";
import { primes } from "./primes.ts";
import { sumOfSquares } from "./sum-of-squares.ts";
import { synthetic } from "./synthetic.ts";
import { tiny } from "./tiny.ts";
import { wordcount } from "./wordcount.ts";
import type { Workload } from "./workload.ts";

export const workloads: ReadonlyMap<string, Workload<unknown>> = new Map<string, Workload<unknown>>(
  [sumOfSquares, primes, pi, matmul, wordcount, mandelbrot, synthetic, tiny, pareto].map((w) => [w.name, w]),
);

/** The workload called `name`; an unknown name is an error that lists the known ones. */
export function workloadNamed(name: string): Workload<unknown> {
  const found = workloads.get(name);
  if (found === undefined) {
    const known = [...workloads.keys()].join(", ");
    throw new Error(`unknown workload "${name}": the workloads are ${known}`);
  }
  return found;
}
