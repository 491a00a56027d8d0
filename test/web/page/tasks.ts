// The tasks the page's web workers run. Vite builds this module as an entry of its own, so a worker
// that imports it by its URL loads these tasks and weft, and none of the page's code.
import { perWorker, task, taskSignal } from "../../../src/browser/index.ts";
import { isPrime as trialDivision } from "../../../src/workloads/kernels/primes.ts";

export const isPrime = task(import.meta.url, trialDivision);
export const square = task(import.meta.url, (n: number) => n * n);
export const add = task(import.meta.url, (a: number, b: number) => a + b);
export const double = task(import.meta.url, async (n: number) => 2 * (await Promise.resolve(n)));
export const increment = task(import.meta.url, (n: number) => n + 1);
export const identity = task(import.meta.url, <T>(x: T) => x);
export const one = task(import.meta.url, () => 1);
export const words = task(import.meta.url, (line: string) => line.split(/\s+/).filter((w) => w.length > 0));
export const wordKey = task(import.meta.url, (word: string) => word);
export const mod3 = task(import.meta.url, (n: number) => n % 3);
export const tally = task(import.meta.url, (acc: { n: number; sum: number }, x: number) => ({
  n: acc.n + 1,
  sum: acc.sum + x,
}));
export const mergeTallies = task(
  import.meta.url,
  (a: { n: number; sum: number }, b: { n: number; sum: number }) => ({ n: a.n + b.n, sum: a.sum + b.sum }),
);
export const failOn13 = task(import.meta.url, (n: number) => {
  if (n === 13) throw new RangeError(`unlucky ${n}`);
  return n;
});
/** Waits for its chunk's signal, and says it saw it: only the runtime's own signal ever fires. */
export const untilAborted = task(
  import.meta.url,
  () => new Promise<string>((resolve) => taskSignal().addEventListener("abort", () => resolve("aborted"))),
);

/** An actor's state: a running total. */
export class Counter {
  constructor(public total: number) {}
  add(n: number): number {
    return (this.total += n);
  }
  async addLater(n: number, ms: number): Promise<number> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return (this.total += n);
  }
}
export const newCounter = task(import.meta.url, (start: number) => new Counter(start));

/** Set up once in each worker: the primes below 1,000. */
const smallPrimes = perWorker(import.meta.url, () => {
  const primes = new Set<number>();
  for (let n = 2; n < 1000; n++) if ([...primes].every((p) => n % p !== 0)) primes.add(n);
  return primes;
});
export const isSmallPrime = task(import.meta.url, (n: number) => smallPrimes.value.has(n));

/** Throws outside any task, from a timer, and never settles: what kills a worker. */
export const throwOutside = task(
  import.meta.url,
  () =>
    new Promise<never>(() =>
      setTimeout(() => {
        throw new Error("thrown from a timer");
      }, 0),
    ),
);
