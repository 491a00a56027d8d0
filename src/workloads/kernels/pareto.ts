// Items of heavy-tailed cost for the pareto workload: item i runs a number of busy-work rounds drawn from a
// Pareto distribution seeded by (paretoSeed, i) alone, so neighbouring items differ at random, most are
// cheap, a few are hundreds of times dearer, and any worker draws exactly what the sequential loop draws.
import { addUint32 } from "./arithmetic.ts";
import { Mulberry32, streamSeed, unitScale } from "./random.ts";
import { spin } from "./spin.ts";

/** Fixed, so every run of the workload, sequential or not, draws the same costs. */
export const paretoSeed = 0x9a7e;

/** Shape α of the tail: below 2 its variance is infinite; the mean is α / (α − 1) times the minimum. */
export const paretoShape = 1.5;
/** The cheapest item's rounds of busy work. */
export const minRounds = 10_000;
/** A cap, so that no single item outweighs the rest of a small run: reached by about one item in 30,000. */
export const maxRounds = 1_000 * minRounds;

/** Rounds of busy work of item `index`: minRounds / u^(1/α) for a uniform u in (0, 1], capped. */
export function paretoRounds(index: number): number {
  const u = 1 - new Mulberry32(streamSeed(paretoSeed, index)).next() * unitScale;
  return Math.min(maxRounds, Math.floor(minRounds * u ** (-1 / paretoShape)));
}

/** Item `index`: its rounds of busy work, seeded by the index; a 32-bit result. */
export function paretoItem(index: number): number {
  return spin(index, paretoRounds(index));
}

/** Items [from, to) summed modulo 2^32 (exact and order-free): the peers' and the hand split's loop. */
export function sumParetoItems(from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum = addUint32(sum, paretoItem(i));
  return sum;
}
