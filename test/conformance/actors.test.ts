// Conformance, actors: an object on one worker that keeps its state; calls run in the order made,
// pipelined, as futures; a method that throws fails its call only; a dead worker fails the actor's
// calls with ActorDiedError, or the actor is made again with `restart` (on a cluster, where a worker
// machine dies: test/cluster/actors.test.ts).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ActorDiedError, PoolClosedError, TaskError, weft } from "../../src/index.ts";
import { newCounter, newCounterLater, notAnObject } from "../fixtures/actor-tasks.ts";
import { add } from "../fixtures/tasks.ts";
import { clusterBackend, localBackends } from "../support/backends.ts";
import { checkLeaks } from "../support/leaks.ts";

checkLeaks();

for (const { name, options } of [...localBackends, clusterBackend()]) {
  describe(`actors on ${name}`, () => {
    test("calls run in the order made and keep the actor's state; their futures gather", async () => {
      await using pool = await weft(options);
      await using counter = await pool.actor(newCounterLater, [10]);
      // Sent at once; the slow first call still runs first.
      const sums = [counter.addLater(1, 30), counter.add(2), counter.addLater(3, 1), counter.add(4)];
      assert.deepEqual(await pool.gather(sums), [11, 13, 16, 20]);
      const sequential = [1, 2, 3, 4].reduce(
        (totals, n) => [...totals, (totals.at(-1) ?? 10) + n],
        [] as number[],
      );
      assert.deepEqual(await Promise.all(sums), sequential);
      // An actor's futures are futures like submit's: arguments of other calls, and asCompleted.
      assert.equal(await pool.submit(add, [counter.add(0), 100]), 120);
      const completed = [];
      for await (const { index, value } of pool.asCompleted([counter.add(1), counter.add(1)]))
        completed[index] = value;
      assert.deepEqual(completed, [21, 22]);
      const where = await counter.where();
      for (let i = 0; i < 5; i++) assert.equal(await counter.where(), where, "the actor moved");
    });

    test("actors are spread over the workers and keep their own state", async () => {
      await using pool = await weft(options);
      const actors = await Promise.all([0, 100, 200, 300].map((start) => pool.actor(newCounter, [start])));
      try {
        const totals = await Promise.all(actors.map((a, i) => a.add(i)));
        assert.deepEqual(totals, [0, 101, 202, 303]);
        const wheres = new Set(await Promise.all(actors.map((a) => a.where())));
        assert.equal(wheres.size, Math.min(pool.workers, actors.length));
      } finally {
        await Promise.all(actors.map((a) => a[Symbol.asyncDispose]()));
      }
    });

    test("a method that throws fails that call only; a stopped actor says so", async () => {
      await using pool = await weft(options);
      const counter = await pool.actor(newCounter, [1]);
      await assert.rejects(counter.fail("no such account"), (error: unknown) => {
        assert.ok(error instanceof TaskError);
        assert.match(error.message, /fail of the actor made by .*newCounter.*no such account/s);
        return true;
      });
      assert.equal(await counter.add(1), 2);
      await counter[Symbol.asyncDispose]();
      await assert.rejects(counter.add(1), (error: unknown) => {
        assert.ok(error instanceof ActorDiedError);
        assert.match(error.message, /was stopped: start another with pool\.actor\(\)/);
        return true;
      });
    });

    test("a factory that does not make an object is refused; the pool goes on", async () => {
      await using pool = await weft(options);
      await assert.rejects(
        pool.actor(notAnObject, []),
        /an actor's factory must return an object with methods, got number/,
      );
      await using counter = await pool.actor(newCounter, [0]);
      assert.equal(await counter.add(5), 5);
    });

    test("calls waiting when the pool closes reject with PoolClosedError", async () => {
      const pool = await weft(options);
      try {
        const counter = await pool.actor(newCounter, [0]);
        const waiting = counter.addLater(1, 200);
        await pool.close();
        await assert.rejects(waiting, PoolClosedError);
        await assert.rejects(counter.add(1), PoolClosedError);
      } finally {
        await pool.close();
      }
    });

    if (name === "threads" || name === "processes") {
      test("a worker that dies takes the actor with it: ActorDiedError now and after", async () => {
        await using pool = await weft(options);
        const counter = await pool.actor(newCounter, [0]);
        await counter.add(1);
        await assert.rejects(counter.crash(), ActorDiedError);
        await assert.rejects(counter.add(1), ActorDiedError);
        // The pool itself goes on.
        await using other = await pool.actor(newCounter, [7]);
        assert.equal(await other.add(1), 8);
      });

      test("with restart, the actor is made again from its factory on the replacing worker", async () => {
        await using pool = await weft(options);
        await using counter = await pool.actor(newCounter, [10], { restart: true });
        assert.equal(await counter.add(5), 15);
        await assert.rejects(counter.crash(), ActorDiedError);
        assert.equal(await counter.add(1), 11, "its state started over from the factory's arguments");
      });
    }
  });
}
