// The README's API tour, runnable: `node --import tsx examples/tour.ts`.
import { weft } from "../src/index.ts";
import { isPrime } from "./tasks.ts";
import { countPrimes, splitWords, sum } from "./words.ts";

// #region tour
const pool = await weft({ workers: "auto" }); // threads backend, one worker per core
try {
  // Collections: lazy steps, fused and run on the workers; ranges are never materialised.
  const primes = await pool.range(2, 1_000_000).filter(isPrime).count();

  // MapReduce: words are counted per chunk on the workers; only the partial counts travel.
  const lines = ["the quick brown fox", "jumps over the lazy dog", "The End"];
  const counts = await pool
    .from(lines)
    .flatMap(splitWords)
    .reduceByKey(
      (word) => word,
      () => 1,
      (a, b) => a + b,
    );

  // Futures: submit returns at once; a future passed as an argument becomes a dependency.
  const low = pool.submit(countPrimes, [0, 500_000]);
  const high = pool.submit(countPrimes, [500_000, 1_000_000]);
  const total = pool.submit(sum, [low, high]);
  for await (const { index, value } of pool.asCompleted([low, high, total])) {
    console.log(`future ${index} finished: ${value}`);
  }

  console.log(`primes below 1e6: ${primes} (futures agree: ${(await total) === primes})`);
  console.log(`"the" appears ${counts.get("the")} times`);
} finally {
  await pool.close();
}
// #endregion
