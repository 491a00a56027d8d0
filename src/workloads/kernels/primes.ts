// Prime counting by trial division: the primes workload's kernel.

/** Trial division: deliberately naive, so the cost of an item grows with its size. */
export function isPrime(n: number): boolean {
  if (n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}

/** Primes in [from, to). */
export function countPrimes(from: number, to: number): number {
  let count = 0;
  for (let n = from; n < to; n++) if (isPrime(n)) count++;
  return count;
}
