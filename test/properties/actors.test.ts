// Any sequence of calls to any number of actors, sync or async with any delays, pipelined without
// waiting, gives what the same calls on plain objects give, one after another, on every backend.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { weft, type Pool } from "../../src/index.ts";
import { Counter, newCounter } from "../fixtures/actor-tasks.ts";
import { clusterBackend, localBackends } from "../support/backends.ts";

const params = { seed: 7, numRuns: 15, includeErrorInReport: true };

/** One call: to which actor, adding what, after how long (0: the sync method). */
interface Call {
  readonly actor: number;
  readonly add: number;
  readonly waitMs: number;
}

const scriptArb = fc.record({
  starts: fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 4 }),
  calls: fc.array(
    fc.record({ actor: fc.nat(), add: fc.integer({ min: -9, max: 9 }), waitMs: fc.constantFrom(0, 0, 1, 3) }),
    { maxLength: 40 },
  ),
});

for (const { name, options } of [...localBackends, clusterBackend()]) {
  describe(`actors on ${name} equal plain objects`, () => {
    let pool: Pool;
    before(async () => {
      pool = await weft(options);
    });
    after(() => pool.close());

    it(
      "every call's result, and each actor's total, in the order the calls were made",
      { timeout: 120_000 },
      async () => {
        await fc.assert(
          fc.asyncProperty(scriptArb, async ({ starts, calls }) => {
            const script: Call[] = calls.map((c) => ({ ...c, actor: c.actor % starts.length }));
            const plain = starts.map((start) => new Counter(start));
            const expected = script.map((c) => plain[c.actor]!.add(c.add));
            const actors = await Promise.all(starts.map((start) => pool.actor(newCounter, [start])));
            try {
              const futures = script.map((c) =>
                c.waitMs === 0 ? actors[c.actor]!.add(c.add) : actors[c.actor]!.addLater(c.add, c.waitMs),
              );
              assert.deepEqual(await Promise.all(futures), expected);
              assert.deepEqual(
                await Promise.all(actors.map((a) => a.add(0))),
                plain.map((p) => p.total),
              );
            } finally {
              await Promise.all(actors.map((a) => a[Symbol.asyncDispose]()));
            }
          }),
          params,
        );
      },
    );
  });
}
