// primes: count the primes below n by trial division. Cheap items in bulk, each a little dearer than the last.
import type { Pool } from "../pool/pool.ts";
import { countPrimes } from "./kernels/primes.ts";
import { checkSize } from "./size.ts";
import * as tasks from "./tasks.ts";
import type { Workload } from "./workload.ts";

const name = "primes";
const counts = "the bound the primes are counted below";
// Below 3 there would be no number to test, and nothing to measure.
const smallest = 3;
const first = 2;

export const primes: Workload<number> = {
  name,
  summary: "primes below n by trial division: many cheap items, dearer towards the end",
  unit: "numbers",
  defaultSize: 20_000_000,
  quickSize: 1_000_000,
  describe: (size) => `primes below ${checkSize(name, size, counts, smallest).toLocaleString("en-US")}`,
  items: (size) => checkSize(name, size, counts, smallest) - first,
  sequential: (size) => countPrimes(first, checkSize(name, size, counts, smallest)),
  async parallel(pool: Pool, size, _knobs, options = {}) {
    const bound = checkSize(name, size, counts, smallest);
    return await pool.range(first, bound).filter(tasks.isPrime).options(options).count();
  },
  mismatch: (expected, got) => (got === expected ? undefined : `counted ${got} primes, expected ${expected}`),
};
