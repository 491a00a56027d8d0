// Conformance, errors: a failing item names its task, index and value; the pool stays usable.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  CapturedVariableError,
  CloneError,
  EmptyReduceError,
  OptionError,
  TaskDefinitionError,
  TaskError,
  WorkerError,
  weft,
} from "../../src/index.ts";
import { addFailsOn13, badKey, notIterableAt6, rejects, throwsString } from "../fixtures/crash-tasks.ts";
import { neverRuns } from "../fixtures/broken-module.ts";
import {
  add,
  addAsync,
  double,
  failOn,
  one,
  returnsFunction,
  square,
  unexportedTask,
} from "../fixtures/tasks.ts";
import { clusterBackend, localBackends } from "../support/backends.ts";
import { checkLeaks } from "../support/leaks.ts";

checkLeaks();

for (const { name, options } of [...localBackends, clusterBackend()]) {
  describe(`errors on ${name}`, () => {
    test("an item that throws rejects the job with task, index, preview and the worker's stack", async () => {
      await using pool = await weft(options);
      const error = await pool
        .range(0, 1000)
        .map(failOn)
        .collect()
        .then(
          () => assert.fail("the job should have failed"),
          (e: unknown) => e,
        );
      assert.ok(error instanceof TaskError);
      assert.equal(error.index, 13);
      assert.equal(error.preview, "13");
      assert.match(error.task, /^failOn \(file:.*tasks\.ts\)$/);
      assert.match(error.message, /failed on item 13 \(13\): unlucky 13/);
      assert.ok(error.cause instanceof Error && error.cause.name === "RangeError");
      assert.match(error.stack ?? "", /tasks\.ts/);
      // The pool is still usable after a failed job.
      assert.equal(await pool.range(0, 10).map(square).reduce(add), 285);
    });

    test("the index is the input index even after filters and in the combine step", async () => {
      await using pool = await weft(options);
      await assert.rejects(pool.from(["a", "b", "boom", "c"]).reduceByKey(badKey, one, add), {
        name: "TaskError",
        index: 2,
        preview: "'boom'",
      });
    });

    test("a flatMap task that returns what is not iterable fails its item, saying what it returned", async () => {
      await using pool = await weft(options);
      // Straight from the input, and after a step that went async (the general pipeline runs the rest).
      for (const [job, index] of [
        [pool.range(0, 10).flatMap(notIterableAt6), 6],
        [pool.range(0, 5).map(double).flatMap(notIterableAt6), 3],
      ] as const) {
        await assert.rejects(job.collect(), (e: unknown) => {
          assert.ok(e instanceof TaskError, String(e));
          assert.match(e.task, /^notIterableAt6 /);
          assert.equal(e.index, index);
          assert.match(e.message, /flatMap's task returned number 6, which is not iterable: return an array/);
          return true;
        });
      }
    });

    test("a reducer that throws fails the job, naming the reducer and the item it was adding", async () => {
      await using pool = await weft(options);
      const failsAt13 = (e: TaskError) => {
        assert.ok(e instanceof TaskError, String(e));
        assert.match(e.task, /^addFailsOn13 \(file:.*crash-tasks\.ts\)$/);
        assert.equal(e.index, 13);
        assert.match(e.message, /cannot add 13/);
        return true;
      };
      // In one chunk, on a worker.
      await assert.rejects(pool.range(0, 100).chunks({ minChunk: 100 }).reduce(addFailsOn13), failsAt13);
      // One item per chunk: the reducer then adds the chunks' results on this thread.
      await assert.rejects(
        pool.range(0, 100).chunks({ maxChunk: 1 }).reduce(addFailsOn13),
        (e: TaskError) => {
          assert.match(e.preview, /combining the result of items 13\.\.13/);
          return failsAt13(e);
        },
      );
      assert.equal(await pool.range(0, 10).map(square).reduce(add), 285);
    });

    test("a reducer that returns a promise is refused where it combines chunks, saying to use fold", async () => {
      await using pool = await weft(options);
      // One item per chunk, so the chunks' results are combined on this thread.
      await assert.rejects(
        pool
          .range(0, 10)
          .chunks({ maxChunk: 1 })
          .reduce(addAsync as unknown as typeof add),
        (e: TaskError) => {
          assert.ok(e instanceof TaskError, String(e));
          assert.match(e.message, /the reducer returned a promise: .*use fold\(zero, step, merge\)/);
          return true;
        },
      );
      assert.equal(await pool.range(0, 10).fold(0, addAsync, (a, b) => a + b), 45);
    });

    test("an input that throws midway fails the job with its error; the pool stays usable", async () => {
      await using pool = await weft(options);
      function* breaksAt50() {
        for (let i = 0; i < 100; i++) {
          if (i === 50) throw new Error("the input broke at 50");
          yield i;
        }
      }
      async function* breaksLater() {
        for (let i = 0; i < 10_000; i++) {
          if (i === 5000) throw new Error("the stream broke at 5000");
          yield i;
          if (i % 100 === 0) await Promise.resolve();
        }
      }
      await assert.rejects(pool.from(breaksAt50()).map(square).reduce(add), /the input broke at 50/);
      await assert.rejects(pool.from(breaksLater()).map(square).collect(), /the stream broke at 5000/);
      assert.equal(await pool.range(0, 10).map(square).reduce(add), 285);
    });

    test("async rejections and non-Error throws are reported too", async () => {
      await using pool = await weft(options);
      await assert.rejects(pool.range(0, 10).map(rejects).collect(), { name: "TaskError", index: 5 });
      await assert.rejects(pool.range(0, 10).map(throwsString).collect(), (e: TaskError) => {
        assert.equal(e.index, 2);
        assert.match(e.message, /non-error value thrown: 'plain string'/);
        return true;
      });
    });

    test("a failing submit rejects its future and its dependents, not the others", async () => {
      await using pool = await weft(options);
      const bad = pool.submit(failOn, [13]);
      const dependent = pool.submit(add, [bad, 1]);
      const good = pool.submit(failOn, [12]);
      await assert.rejects(bad, { name: "TaskError", preview: "[ 13 ]" });
      await assert.rejects(dependent, /an argument of this call is a future that failed/);
      assert.equal(await good, 12);
    });

    test("reduce of an empty collection needs an initial value", async () => {
      await using pool = await weft(options);
      await assert.rejects(pool.from<number>([]).reduce(add), EmptyReduceError);
      assert.equal(await pool.from<number>([]).reduce(add, 0), 0);
    });

    // A cluster refuses every inline function (the results suite checks it), captured variables or not.
    test(
      "an inline function that captures a variable is refused, naming it",
      { skip: name === "redis" },
      async () => {
        await using pool = await weft(options);
        const factor = 3;
        await assert.rejects(
          pool
            .from([1])
            .map((n: number) => n * factor)
            .collect(),
          (e: CapturedVariableError) => {
            assert.ok(e instanceof CapturedVariableError);
            assert.deepEqual(e.variables, ["factor"]);
            assert.match(e.message, /uses 'factor' from its surroundings.*task module/);
            return true;
          },
        );
        await assert.rejects(
          pool.submit((n: number) => n * factor, [1]),
          CapturedVariableError,
        );
      },
    );

    test("native functions are refused with what to do; a task no export holds runs all the same", async () => {
      await using pool = await weft(options);
      await assert.rejects(pool.from([1]).map(Math.sqrt).collect(), TaskDefinitionError);
      // Workers find a task by its place among its module's tasks, not by an export.
      assert.deepEqual(await pool.from([1, 2]).map(unexportedTask()).collect(), [1, 2]);
    });

    test(
      "a task module that fails to load fails the job with the reason",
      // A cluster worker loads its modules when it starts, and fails to start if one is broken.
      { skip: name === "sequential" || name === "redis" },
      async () => {
        await using pool = await weft(options);
        await assert.rejects(pool.from([1]).map(neverRuns).collect(), (e: Error) => {
          assert.ok(e instanceof WorkerError);
          assert.match(e.message, /could not load task module .*broken-module\.ts.*refuses to load/);
          return true;
        });
        assert.equal(await pool.from([2]).map(square).reduce(add), 4);
      },
    );

    test("values that cannot be cloned get a clear error", { skip: name === "sequential" }, async () => {
      await using pool = await weft(options);
      await assert.rejects(pool.from([1, () => 2]).collect(), (e: CloneError) => {
        assert.ok(e instanceof CloneError);
        assert.match(e.message, /input item 1 cannot be sent to a worker: \[Function/);
        return true;
      });
      await assert.rejects(pool.from([1, 2]).map(returnsFunction).collect(), /result .*cannot be sent back/);
      assert.equal(await pool.from([3]).map(square).reduce(add), 9);
    });

    test("bad options are refused with the accepted values", async () => {
      await assert.rejects(weft({ ...options, workers: 0 }), OptionError);
      await assert.rejects(
        weft({ backend: "gpu" as "threads" }),
        /unknown backend "gpu": use one of "threads", "processes", "sequential"/,
      );
      await assert.rejects(
        weft({ ...options, minChunk: 10, maxChunk: 5 }),
        /minChunk \(10\) is larger than maxChunk/,
      );
      // Limits on each worker apply where the pool owns its workers, and are refused where it does not.
      for (const limit of [{ maxTasksPerWorker: 100 }, { maxWorkerHeapMb: 64 }]) {
        const name = Object.keys(limit)[0]!;
        if (options.backend === "sequential") {
          await assert.rejects(
            weft({ ...options, ...limit }),
            new RegExp(`${name} needs workers of its own`),
          );
        } else if (options.redis !== undefined) {
          const flag = name === "maxTasksPerWorker" ? "--max-tasks-per-worker" : "--max-heap-mb";
          await assert.rejects(
            weft({ ...options, ...limit }),
            new RegExp(`${name} is set on each cluster worker.*weft worker ${flag}`),
          );
        } else await (await weft({ ...options, ...limit })).close();
      }
      await using pool = await weft(options);
      assert.throws(() => pool.range(0, 10, 0), /step must be positive/);
      assert.throws(() => pool.range(0, Infinity), /to must be a finite number/);
      assert.throws(() => pool.from(42 as unknown as number[]), /from\(\) takes an array/);
      assert.throws(
        () => pool.submit(add, 21 as unknown as [number, number]),
        /submit\(task, args\) takes the task's arguments as an array: submit\(task, \[21\]\), got 21/,
      );
    });
  });
}
