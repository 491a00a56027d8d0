// Task functions for the tour: word splitting for a MapReduce word count.
import { task } from "../src/index.ts";

export const splitWords = task(import.meta.url, (line: string) => line.toLowerCase().match(/[a-z']+/g) ?? []);

export const countPrimes = task(import.meta.url, (from: number, to: number) => {
  let count = 0;
  for (let n = Math.max(from, 2); n < to; n++) {
    let prime = n === 2 || n % 2 === 1;
    for (let d = 3; prime && d * d <= n; d += 2) if (n % d === 0) prime = false;
    if (prime) count++;
  }
  return count;
});

export const sum = task(import.meta.url, (a: number, b: number) => a + b);

export const theWord = task(import.meta.url, (word: string) => word);

export const one = task(import.meta.url, () => 1);
