// The notebook's tasks. Workers import this module by its URL and run its exports, so it is plain
// JavaScript that Node loads as it is (types in tasks.d.ts): see README.md for why not TypeScript here.
import { existsSync, writeFileSync } from "node:fs";
import process from "node:process";
import { task } from "weft";

/** Trial division: deliberately naive, so a number near the top costs more than one near the bottom. */
export const isPrime = task(import.meta.url, (n) => {
  if (n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
});

/** The primes in [from, to), counted in one call: a coarse task for futures. */
export const countPrimes = task(import.meta.url, (from, to) => {
  let count = 0;
  for (let n = from; n < to; n++) if (isPrime(n)) count++;
  return count;
});

/** Adds any number of counts: the join at the bottom of a graph of futures. */
export const sum = task(import.meta.url, (...counts) => counts.reduce((a, b) => a + b, 0));

/** Associative, so workers can combine their chunks first and send one number each. */
export const add = task(import.meta.url, (a, b) => a + b);

/**
 * Escape-time iteration counts of one row of a Mandelbrot image of the whole set. Rows through the
 * set run many pixels to maxIter; rows at the edge escape at once.
 */
export const mandelbrotRow = task(import.meta.url, ({ y, width, height, maxIter }) => {
  const row = new Uint16Array(width);
  const ci = -1.25 + (2.5 * y) / (height - 1);
  for (let x = 0; x < width; x++) {
    const cr = -2 + (2.5 * x) / (width - 1);
    let zr = 0;
    let zi = 0;
    let i = 0;
    while (i < maxIter && zr * zr + zi * zi <= 4) {
      const t = zr * zr - zi * zi + cr;
      zi = 2 * zr * zi + ci;
      zr = t;
      i++;
    }
    row[x] = i;
  }
  return row;
});

/** The words of a line, lower case. */
export const words = task(import.meta.url, (line) => line.toLowerCase().match(/[a-z]+(?:'[a-z]+)?/g) ?? []);

/**
 * Whether `n` is prime, except that the first time it meets the number in WEFT_NOTEBOOK_CRASH_AT it
 * ends its worker abruptly, as a segfault or an out-of-memory kill would: `process.exit` runs no
 * finally block and sends no reply. The file named by WEFT_NOTEBOOK_CRASH_MARKER remembers that it
 * happened, so the retried chunk runs normally. Workers read both from the environment they inherit
 * when they start. On the threads backend this ends the worker thread; on processes, the child
 * process; on sequential it would end the notebook's own kernel, so the notebook never runs it there.
 */
export const isPrimeOrCrash = task(import.meta.url, (n) => {
  const { WEFT_NOTEBOOK_CRASH_AT: crashAt, WEFT_NOTEBOOK_CRASH_MARKER: marker } = process.env;
  if (marker && n === Number(crashAt) && !existsSync(marker)) {
    writeFileSync(marker, `worker process ${process.pid} ended itself at ${n}\n`);
    process.exit(1);
  }
  return isPrime(n);
});
