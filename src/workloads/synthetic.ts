// synthetic: Amdahl's law on purpose. A serial part runs on the calling thread before `size` equal items of busy
// work run on the pool; its share of the sequential time is `serialFraction`, so no number of workers can
// bring the time below it.
import type { Pool } from "../pool/pool.ts";
import { addUint32 } from "./kernels/arithmetic.ts";
import { spin } from "./kernels/spin.ts";
import { checkSize } from "./size.ts";
import * as tasks from "./tasks.ts";
import type { SpinItem } from "./tasks.ts";
import type { Knobs, Workload } from "./workload.ts";

/** What the serial part and the items computed; the items' results summed modulo 2^32. */
export interface SyntheticResult {
  readonly serial: number;
  readonly items: number;
}

const name = "synthetic";
const counts = "the items of busy work";
const defaultItemMicros = 200;
const defaultSerialFraction = 0.1;
// Item seeds are their indices, never negative, so the serial part's work is not any item's.
const serialSeed = -1;

let measuredRate: number | undefined;

/**
 * Spin rounds per microsecond on this machine, measured once per process so that every run in it does the
 * same work: the fastest of a few short runs, because interruptions only ever slow a run down.
 */
function roundsPerMicrosecond(): number {
  if (measuredRate === undefined) {
    const rounds = 1_000_000;
    spin(0, rounds); // compiled before it is timed
    let fastestMs = Infinity;
    for (let trial = 1; trial <= 5; trial++) {
      const start = performance.now();
      spin(trial, rounds);
      fastestMs = Math.min(fastestMs, performance.now() - start);
    }
    measuredRate = rounds / (fastestMs * 1000);
  }
  return measuredRate;
}

interface Plan {
  readonly items: number;
  readonly roundsPerItem: number;
  readonly serialRounds: number;
}

function plan(size: number, knobs: Knobs = {}): Plan {
  const items = checkSize(name, size, counts);
  const itemMicros = knobs.itemMicros ?? defaultItemMicros;
  const serialFraction = knobs.serialFraction ?? defaultSerialFraction;
  if (!(Number.isFinite(itemMicros) && itemMicros > 0)) {
    throw new RangeError(`${name}: itemMicros must be a positive number of microseconds, got ${itemMicros}`);
  }
  if (!(serialFraction >= 0 && serialFraction < 1)) {
    throw new RangeError(`${name}: serialFraction must be at least 0 and below 1, got ${serialFraction}`);
  }
  const roundsPerItem = Math.max(1, Math.round(itemMicros * roundsPerMicrosecond()));
  // serial / (serial + parallel) = serialFraction
  const serialRounds = Math.round((items * roundsPerItem * serialFraction) / (1 - serialFraction));
  return { items, roundsPerItem, serialRounds };
}

export const synthetic: Workload<SyntheticResult> = {
  name,
  summary: "equal items of busy work after a serial part (knobs: itemMicros, serialFraction): Amdahl's law",
  unit: "items",
  knobDefaults: { itemMicros: defaultItemMicros, serialFraction: defaultSerialFraction },
  defaultSize: 13_500,
  quickSize: 500,
  describe: (size) => `${checkSize(name, size, counts).toLocaleString("en-US")} items of busy work`,
  items: (size) => checkSize(name, size, counts),
  sequential(size, knobs) {
    const { items, roundsPerItem, serialRounds } = plan(size, knobs);
    const serial = spin(serialSeed, serialRounds);
    let sum = 0;
    for (let index = 0; index < items; index++) sum = addUint32(sum, spin(index, roundsPerItem));
    return { serial, items: sum };
  },
  async parallel(pool: Pool, size, knobs, options = {}) {
    const { items, roundsPerItem, serialRounds } = plan(size, knobs);
    const serial = spin(serialSeed, serialRounds);
    const work: SpinItem[] = Array.from({ length: items }, (_, index) => ({ index, rounds: roundsPerItem }));
    return {
      serial,
      items: await pool.from(work).map(tasks.spinItem).options(options).reduce(tasks.addUint32, 0),
    };
  },
  mismatch(expected, got) {
    if (got.serial !== expected.serial)
      return `the serial part gave ${got.serial}, expected ${expected.serial}`;
    return got.items === expected.items
      ? undefined
      : `the items summed to ${got.items}, expected ${expected.items}`;
  },
};
