// Task modules for the examples: plain functions, exported, so workers can import them by URL.
import { task } from "../src/index.ts";

/** Trial division: cheap for small numbers, dearer as they grow, so chunks must adapt. */
export const isPrime = task(import.meta.url, (n: number): boolean => {
  if (n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
});
