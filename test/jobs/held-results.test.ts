// Results that come back ahead of an earlier chunk's wait on the pool's side for their turn; past the
// pool's budget (poolMemoryBudgetMb) they wait on disk. Held in memory or on disk, each is handed on
// once, in its turn, exactly as it came; what is still held when a job ends leaves no file behind.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { HeldResults, type Arrived } from "../../src/jobs/held-results.ts";
import { weft } from "../../src/index.ts";
import { squareSlowAtZero } from "../fixtures/tasks.ts";

const heldFiles = (dir: string) => readdirSync(dir).filter((name) => name.startsWith("weft-held-"));

function freshDirectory(): string {
  return mkdtempSync(join(tmpdir(), "weft-held-test-"));
}

describe("HeldResults", () => {
  it("hands each result back once, as it came, from memory or from disk, and leaves no file", async () => {
    const partialArb = fc.oneof(
      fc.array(fc.oneof(fc.string(), fc.integer(), fc.constant(null)), { maxLength: 20 }),
      fc.array(fc.double(), { maxLength: 20 }).map((values) => ({ numbers: Float64Array.from(values) })),
      fc.integer(),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(partialArb, { minLength: 1, maxLength: 12 }),
        fc.constantFrom(0, 64, 1e9),
        fc.boolean(),
        async (partials, budget, waitForWrites) => {
          const dir = freshDirectory();
          try {
            const held = new HeldResults({ budget, directory: dir });
            const arrived: Arrived[] = partials.map((partial, i) => ({ start: i * 10, count: 10, partial }));
            // Every result but the first arrives ahead of its turn; the first comes last.
            for (const a of arrived.slice(1)) held.hold(a);
            if (waitForWrites) await held.idle();
            const taken = [arrived[0]!];
            for (const a of arrived.slice(1)) taken.push(await held.take(a.start)!);
            assert.equal(held.size, 0);
            assert.deepEqual(taken, arrived);
            // Files being written when their result was taken from memory are removed once written.
            await held.idle();
            assert.deepEqual(heldFiles(dir), []);
          } finally {
            rmSync(dir, { recursive: true, force: true });
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it("writes results past the budget to disk, and clear() removes them", async () => {
    const dir = freshDirectory();
    try {
      const held = new HeldResults({ budget: 100, directory: dir });
      for (let i = 1; i <= 5; i++)
        held.hold({ start: i, count: 1, partial: Array.from({ length: 50 }, () => i) });
      await held.idle();
      assert.ok(
        heldFiles(dir).length >= 4,
        `results past the budget wait on disk: ${heldFiles(dir).length} files`,
      );
      await held.clear();
      assert.deepEqual(heldFiles(dir), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a held file removed by someone else is an error from take(), not a lost result passed over", async () => {
    const dir = freshDirectory();
    try {
      const held = new HeldResults({ budget: 0, directory: dir });
      held.hold({ start: 1, count: 1, partial: [1, 2, 3] });
      await held.idle();
      for (const name of heldFiles(dir)) rmSync(join(dir, name));
      await assert.rejects(Promise.resolve(held.take(1)), /ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("a pool's budget for held results (poolMemoryBudgetMb)", () => {
  for (const backend of ["threads", "processes"] as const) {
    it(
      `on ${backend}: one slow chunk at the front, the results behind it on disk, collect and reduce give the sequential answer`,
      { timeout: 60_000 },
      async () => {
        const dir = freshDirectory();
        const pool = await weft({ backend, workers: 2, poolMemoryBudgetMb: 0.001, spillDirectory: dir });
        const seen = new Set<string>();
        const watch = setInterval(() => heldFiles(dir).forEach((name) => seen.add(name)), 5);
        // A job whose last result is read back from disk after its last chunk came back still ends for
        // the pool, not only for its caller.
        const ended: string[] = [];
        pool.events.on("job", ({ state }) => {
          if (state !== "started") ended.push(state);
        });
        try {
          const count = 50_000;
          const expected = Array.from({ length: count }, (_, n) => n * n);
          const bounds = { minChunk: 100, maxChunk: 500 };
          const collected = await pool.range(0, count).map(squareSlowAtZero).chunks(bounds).collect();
          assert.deepEqual(collected, expected);
          assert.ok(seen.size > 0, "results held behind the slow chunk went to disk");
          const sum = await pool
            .range(0, count)
            .map(squareSlowAtZero)
            .chunks(bounds)
            .reduce((a: number, b: number) => a + b);
          assert.equal(
            sum,
            expected.reduce((a, b) => a + b),
          );
          assert.deepEqual(ended, ["completed", "completed"]);
          assert.deepEqual(heldFiles(dir), [], "no held file is left once the jobs are over");
        } finally {
          clearInterval(watch);
          await pool.close();
          rmSync(dir, { recursive: true, force: true });
        }
      },
    );
  }

  it(
    "a job cancelled while results wait on disk leaves no held file, and the pool goes on",
    { timeout: 60_000 },
    async () => {
      const dir = freshDirectory();
      const pool = await weft({
        backend: "threads",
        workers: 2,
        poolMemoryBudgetMb: 0.001,
        spillDirectory: dir,
      });
      try {
        const controller = new AbortController();
        const job = pool
          .range(0, 50_000)
          .map(squareSlowAtZero)
          .chunks({ minChunk: 100, maxChunk: 500 })
          .options({ signal: controller.signal })
          .collect();
        // Cancelled once results wait on disk behind the slow first chunk.
        const waiting = setInterval(() => {
          if (heldFiles(dir).length > 0) controller.abort();
        }, 5);
        try {
          await assert.rejects(job, { name: "AbortError" });
        } finally {
          clearInterval(waiting);
        }
        // The cancelled job's files are removed as it ends, without holding up its rejection.
        for (const until = Date.now() + 10_000; heldFiles(dir).length > 0 && Date.now() < until;)
          await new Promise((resolve) => setTimeout(resolve, 10));
        assert.deepEqual(heldFiles(dir), []);
        assert.equal(
          await pool
            .range(0, 10)
            .map(squareSlowAtZero)
            .reduce((a: number, b: number) => a + b),
          285,
        );
      } finally {
        await pool.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
