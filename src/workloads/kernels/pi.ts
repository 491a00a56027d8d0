// Monte Carlo points for the pi workload: a batch's points follow from its index alone, so the count inside
// the circle is the same whichever worker draws it.
import { Mulberry32, streamSeed, unitScale } from "./random.ts";

/** Fixed, so every run of the workload, sequential or not, draws the same points. */
export const piSeed = 0x5eed;

/** Enough that one batch (about a millisecond) outweighs the cost of handing it to a worker. */
export const pointsPerBatch = 100_000;

/** How many of batch `batch`'s points in the unit square fall inside the quarter circle of radius 1. */
export function pointsInside(batch: number): number {
  const random = new Mulberry32(streamSeed(piSeed, batch));
  let inside = 0;
  for (let p = 0; p < pointsPerBatch; p++) {
    const x = random.next() * unitScale;
    const y = random.next() * unitScale;
    if (x * x + y * y < 1) inside++;
  }
  return inside;
}
