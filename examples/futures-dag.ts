// A graph of futures: calls that take other calls' futures as arguments run as soon as those are
// ready, on the workers, without the caller waiting in between.
// Run it: `node --import tsx examples/futures-dag.ts`.
import { weft } from "../src/index.ts";
import { divide } from "./tasks.ts";
import { countPrimes, sum } from "./words.ts";

const pool = await weft();
try {
  //   countPrimes  countPrimes  countPrimes  countPrimes     four blocks of [0, 1,000,000)
  //          \       /                 \       /
  //           sum (low)                sum (high)
  //                  \                 /
  //                     sum (total) ──── divide (mean per block)
  // #region dag
  const size = 250_000;
  const blocks = [0, 1, 2, 3].map((b) => pool.submit(countPrimes, [b * size, (b + 1) * size]));
  const low = pool.submit(sum, [blocks[0]!, blocks[1]!]); // waits for blocks 0 and 1, not for 2 and 3
  const high = pool.submit(sum, [blocks[2]!, blocks[3]!]);
  const total = pool.submit(sum, [low, high]);
  const mean = pool.submit(divide, [total, blocks.length]);

  // Each block as soon as it is done, fastest first; the sums run meanwhile.
  for await (const { index, value } of pool.asCompleted(blocks)) {
    console.log(`block ${index} [${index * size}, ${(index + 1) * size}) done: ${value} primes`);
  }
  const [lowCount, highCount, totalCount, meanCount] = await pool.gather([low, high, total, mean]);
  // #endregion
  console.log(`low half ${lowCount} + high half ${highCount} = ${totalCount} primes below 1,000,000`);
  console.log(`mean per block: ${meanCount}`);
  console.log(
    `the graph agrees with one call: ${totalCount === (await pool.submit(countPrimes, [0, 1_000_000]))}`,
  );

  // A failure travels along the graph: a call whose argument failed fails too, and says why.
  // #region failure
  const broken = pool.submit(divide, [total, 0]);
  const after = pool.submit(sum, [broken, 1]);
  try {
    await after;
  } catch (error) {
    const { message, cause } = error as Error & { cause: Error };
    console.log(`${message}\n  because ${cause.name}: ${cause.message}`);
  }
  // #endregion
} finally {
  await pool.close();
}
