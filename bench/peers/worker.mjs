// The worker file piscina and tinypool load; both call the export named by run(task, { name }).
// Plain .mjs because Node 20 worker threads do not inherit `--import tsx`: this file registers tsx
// itself, then imports the shared TypeScript kernels, so the peers run the same code as weft.
import { register } from "tsx/esm/api";

register();

export const { countPrimes, isPrime, mandelbrotRow, increment, sumMixed, paretoItem } =
  await import("./handlers.ts");
