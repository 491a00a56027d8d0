// Task modules for the examples: plain functions, exported, so workers can import them by URL.
// #region is-prime
import { task } from "../src/index.ts";

/** Trial division: cheap for small numbers, dearer as they grow, so chunks must adapt. */
export const isPrime = task(import.meta.url, (n: number): boolean => {
  if (n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
});
// #endregion

/** Rounds of {@link hashPassword}: a few ms of CPU per password. */
export const hashRounds = 400_000;

/**
 * A deliberately slow password hash: FNV-1a over the text, then `hashRounds` rounds of a 32-bit mix
 * (key stretching). Pure CPU, the same answer everywhere: the kind of item worth a core.
 */
export const hashPassword = task(import.meta.url, (password: string): string => {
  let h = 0x811c9dc5;
  for (let i = 0; i < password.length; i++) h = Math.imul(h ^ password.charCodeAt(i), 0x01000193);
  for (let r = 0; r < hashRounds; r++) {
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35) + r;
  }
  return (h >>> 0).toString(16).padStart(8, "0");
});

/** `a / b`, refusing to divide by zero: a task that can fail, for the futures example. */
export const divide = task(import.meta.url, (a: number, b: number): number => {
  if (b === 0) throw new RangeError(`cannot divide ${a} by zero`);
  return a / b;
});
