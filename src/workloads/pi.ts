// pi: a Monte Carlo estimate of π from seeded random points, one batch of points per item. Each batch's points
// follow from its index alone and the counts are summed as integers, so the estimate is bit for bit the same
// on any backend, with any number of workers and any chunking.
import type { Pool } from "../pool/pool.ts";
import { add } from "./kernels/arithmetic.ts";
import { pointsInside, pointsPerBatch } from "./kernels/pi.ts";
import { checkSize } from "./size.ts";
import * as tasks from "./tasks.ts";
import type { Workload } from "./workload.ts";

/** The points inside the quarter circle, all the points drawn, and what they say π is. */
export interface PiEstimate {
  readonly inside: number;
  readonly points: number;
  readonly pi: number;
}

const name = "pi";
const counts = `batches of ${pointsPerBatch.toLocaleString("en-US")} points`;

function estimate(inside: number, batches: number): PiEstimate {
  const points = batches * pointsPerBatch;
  return { inside, points, pi: (4 * inside) / points };
}

export const pi: Workload<PiEstimate> = {
  name,
  summary: "π by Monte Carlo, seeded: equal items, a bit-identical answer however they are split",
  unit: "batches",
  defaultSize: 3_000,
  quickSize: 50,
  describe: (size) =>
    `π from ${(checkSize(name, size, counts) * pointsPerBatch).toLocaleString("en-US")} random points`,
  items: (size) => checkSize(name, size, counts),
  sequential(size) {
    const batches = checkSize(name, size, counts);
    let inside = 0;
    for (let batch = 0; batch < batches; batch++) inside = add(inside, pointsInside(batch));
    return estimate(inside, batches);
  },
  async parallel(pool: Pool, size, _knobs, options = {}) {
    const batches = checkSize(name, size, counts);
    const inside = await pool
      .range(0, batches)
      .map(tasks.pointsInBatch)
      .options(options)
      .reduce(tasks.add, 0);
    return estimate(inside, batches);
  },
  mismatch(expected, got) {
    if (got.points !== expected.points) return `${got.points} points drawn, expected ${expected.points}`;
    if (got.inside !== expected.inside) return `${got.inside} points inside, expected ${expected.inside}`;
    return Object.is(got.pi, expected.pi) ? undefined : `π estimated as ${got.pi}, expected ${expected.pi}`;
  },
};
