// Random graphs of submitted calls compute what plain JS computes, on every backend, failures included.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { liveThreadCount } from "../../src/backends/threads/threads-backend.ts";
import { PoolClosedError, TaskError, weft, type Future, type Pool } from "../../src/index.ts";
import { alwaysFails, sumAll } from "../fixtures/property-tasks.ts";
import { localBackends } from "../support/backends.ts";

const params = { seed: 42, numRuns: 100, includeErrorInReport: true };

/** A node adds the values of its dependencies (all earlier nodes, so the graph is acyclic) and a constant. */
interface Node {
  readonly deps: readonly number[];
  readonly constant: number;
  readonly fails: boolean;
}

const graphArb = (failures: boolean): fc.Arbitrary<Node[]> =>
  fc
    .array(
      fc.record({
        picks: fc.array(fc.nat(), { maxLength: 3 }),
        constant: fc.integer({ min: -100, max: 100 }),
        fails: failures ? fc.integer({ min: 0, max: 7 }).map((x) => x === 0) : fc.constant(false),
      }),
      { minLength: 1, maxLength: 40, size: "medium" },
    )
    .map((nodes) =>
      nodes.map(({ picks, constant, fails }, i) => ({
        deps: i === 0 ? [] : [...new Set(picks.map((p) => p % i))],
        constant,
        fails,
      })),
    );

/** What plain JS says: each node's value, or that it failed (itself, or through a dependency). */
function evaluate(nodes: readonly Node[]): { values: number[]; failed: boolean[] } {
  const values: number[] = [];
  const failed: boolean[] = [];
  nodes.forEach((node, i) => {
    failed[i] = node.fails || node.deps.some((d) => failed[d]);
    values[i] = node.deps.reduce((sum, d) => sum + values[d]!, node.constant);
  });
  return { values, failed };
}

function submitAll(pool: Pool, nodes: readonly Node[]): Future<number>[] {
  const futures: Future<number>[] = [];
  for (const node of nodes) {
    const args = [node.constant, ...node.deps.map((d) => futures[d]!)];
    futures.push(pool.submit(node.fails ? alwaysFails : sumAll, args));
  }
  return futures;
}

/** The error at the bottom of a chain of causes: a dependent's failure wraps its dependency's. */
function rootCause(error: unknown): unknown {
  let current = error;
  while (current instanceof Error && current.cause !== undefined && !(current instanceof TaskError))
    current = current.cause;
  return current;
}

for (const { name, options } of localBackends) {
  describe(`future graphs on ${name}`, () => {
    let pool: Pool;
    before(async () => {
      pool = await weft(options);
    });
    after(async () => {
      await pool.close();
    });

    it("gives every node its plain-JS value, and fails exactly the failing nodes and their dependents", async () => {
      await fc.assert(
        fc.asyncProperty(graphArb(true), async (nodes) => {
          const { values, failed } = evaluate(nodes);
          const futures = submitAll(pool, nodes);
          for (const [i, future] of futures.entries()) {
            if (!failed[i]) {
              assert.equal(await future, values[i], `node ${i}`);
              continue;
            }
            const error = await future.then(
              () => assert.fail(`node ${i} depends on a failing node but succeeded`),
              (e: unknown) => e,
            );
            const root = rootCause(error);
            assert.ok(root instanceof TaskError, `node ${i} failed with ${String(root)}`);
            assert.match(root.message, /this node fails/);
          }
          assert.ok(futures.every((f) => f.done));
        }),
        params,
      );
    });

    it("gather returns the values in submission order, or rejects when any node fails", async () => {
      await fc.assert(
        fc.asyncProperty(graphArb(true), async (nodes) => {
          const { values, failed } = evaluate(nodes);
          const futures = submitAll(pool, nodes);
          const gathered = pool.gather(futures);
          if (failed.some(Boolean)) await assert.rejects(gathered);
          else assert.deepEqual(await gathered, values);
          // Gather rejects at the first failure; let the rest finish so no run leaks into the next.
          await Promise.allSettled(futures);
        }),
        params,
      );
    });

    it("asCompleted yields every index exactly once, with its value", async () => {
      await fc.assert(
        fc.asyncProperty(graphArb(false), async (nodes) => {
          const { values } = evaluate(nodes);
          const seen: number[] = [];
          for await (const { index, value } of pool.asCompleted(submitAll(pool, nodes))) {
            assert.equal(value, values[index], `node ${index}`);
            seen.push(index);
          }
          assert.deepEqual(
            seen.sort((a, b) => a - b),
            nodes.map((_, i) => i),
          );
        }),
        params,
      );
    });

    it("asCompleted yields only succeeded nodes, each once, before it throws for a failed one", async () => {
      await fc.assert(
        fc.asyncProperty(graphArb(true), async (nodes) => {
          const { values, failed } = evaluate(nodes);
          fc.pre(failed.some(Boolean));
          const futures = submitAll(pool, nodes);
          const yielded: { index: number; value: number }[] = [];
          let thrown: unknown;
          try {
            for await (const completed of pool.asCompleted(futures)) yielded.push(completed);
          } catch (error) {
            thrown = error;
          }
          await Promise.allSettled(futures);
          assert.ok(rootCause(thrown) instanceof TaskError, `the loop ended with ${String(thrown)}`);
          const indexes = yielded.map((c) => c.index);
          assert.equal(
            new Set(indexes).size,
            indexes.length,
            `an index was yielded twice: ${indexes.join(", ")}`,
          );
          for (const { index, value } of yielded) {
            assert.ok(!failed[index], `failed node ${index} was yielded`);
            assert.equal(value, values[index], `node ${index}`);
          }
        }),
        params,
      );
    });
  });
}

describe("closing a pool with calls still queued", () => {
  // A regression test (the error surfaced as an uncaught TypeError attributed to this test): close()
  // once cleared the dispatcher's jobs but not the scheduler's, and a pump already scheduled with
  // setImmediate then assigned chunks of a call job that was gone, "Cannot read properties of
  // undefined (reading 'job')" in Dispatcher.#pump.
  it("rejects every pending call with PoolClosedError and throws nothing afterwards", async (t) => {
    const pool = await weft({ backend: "sequential" });
    t.after(() => pool.close()); // in case the test fails before it closes the pool itself
    // The first call resolves the task, so the later ones are queued on a running call job.
    assert.equal(await pool.submit(sumAll, [1, 2]), 3);
    const futures = Array.from({ length: 50 }, (_, i) => pool.submit(sumAll, [i, 1]));
    await pool.close();
    for (const outcome of await Promise.allSettled(futures)) {
      assert.equal(outcome.status, "rejected");
      assert.ok(outcome.reason instanceof PoolClosedError, String(outcome.reason));
    }
    // Give a pump that was already scheduled its turn, inside this test.
    for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
  });
});

after(async () => {
  // A worker's exit event lands on a later turn than the close() that caused it.
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(liveThreadCount(), 0, "a worker thread was left running");
});
