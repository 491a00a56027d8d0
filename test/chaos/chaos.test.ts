// Chaos on the threads and processes backends: workers die at seeded random points of two concurrent 200,000-item jobs, and both results must still be exact.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { weft, type Pool } from "../../src/index.ts";
import { add, chaosVariable, squareOrDie, tenfoldOrDie, type ChaosPlan } from "../fixtures/chaos-tasks.ts";
import { checkLeaks } from "../support/leaks.ts";
import { mulberry32 } from "../support/random.ts";

checkLeaks();

const items = 200_000;
const killsPerJob = 6;
/** Change it to replay a different schedule; a failure names the schedule it ran. */
const seed = 0x5eed_c4a0;

/**
 * The items a job's workers die on, with exit codes: one at a random place in each of
 * `killsPerJob` equal stretches of the input, so the kills fall early, midway and at the tail
 * (where chunks are small and the last ones race). A chunk holds at most two of them, so none
 * crashes its worker three times and becomes poison.
 */
function killSchedule(random: () => number): [number, number][] {
  const stretch = items / killsPerJob;
  return Array.from({ length: killsPerJob }, (_, i) => [
    Math.floor((i + random()) * stretch),
    10 + Math.floor(random() * 100),
  ]);
}

/** The two jobs, run together so a kill in one interrupts chunks of the other queued behind it. */
function jobs(pool: Pool): Promise<[number, number[]]> {
  return Promise.all([
    pool.range(0, items).map(squareOrDie).reduce(add),
    pool.range(0, items).map(tenfoldOrDie).collect(),
  ]);
}

const dir = mkdtempSync(join(tmpdir(), "weft-chaos-"));
after(() => rmSync(dir, { recursive: true, force: true }));

for (const backend of ["threads", "processes"] as const) {
  describe(`chaos on ${backend}`, () => {
    test(
      "workers killed at random points of two 200,000-item jobs: every item counted exactly once",
      { timeout: 120_000 },
      async () => {
        const random = mulberry32(seed);
        const markers = mkdtempSync(join(dir, `${backend}-`));
        const plan: ChaosPlan = {
          dir: markers,
          testPid: process.pid,
          kills: { square: killSchedule(random), tenfold: killSchedule(random) },
        };
        const schedule = JSON.stringify(plan.kills);

        const expected = await (async () => {
          await using sequential = await weft({ backend: "sequential" });
          return await jobs(sequential);
        })();
        // Every partial sum is below 2^53, so the sum is exact whatever order the chunks merge in.
        const n = BigInt(items);
        assert.equal(expected[0], Number(((n - 1n) * n * (2n * n - 1n)) / 6n));

        // Workers, replacements included, inherit the environment when they start.
        process.env[chaosVariable] = JSON.stringify(plan);
        try {
          // Small chunks: ~100 per job, so kills land among many chunks in flight on every worker.
          await using pool = await weft({ backend, workers: 3, maxChunk: 2000 });
          let chunks = 0;
          pool.events.on("chunk", () => chunks++);
          const [sum, tenfold] = await jobs(pool);
          assert.equal(sum, expected[0], `sum of squares differs under kill schedule ${schedule}`);
          assert.equal(
            tenfold.length,
            items,
            `collect lost or duplicated items under kill schedule ${schedule}`,
          );
          assert.deepEqual(tenfold, expected[1], `collect differs under kill schedule ${schedule}`);
          assert.ok(chunks >= 100, `only ${chunks} chunks: too few for the kills to land among them`);

          // Every planned kill happened, each exactly once.
          const planned = Object.entries(plan.kills).flatMap(([tag, list]) =>
            list.map(([item]) => `${tag}-${item}`),
          );
          assert.deepEqual(readdirSync(markers).sort(), planned.sort());

          // The replaced workers serve the next job as if nothing happened.
          assert.equal(await pool.range(0, 1000).map(squareOrDie).reduce(add), 332_833_500);
        } finally {
          delete process.env[chaosVariable];
        }
      },
    );
  });
}
