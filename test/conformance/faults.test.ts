// Conformance, faults: retries, cancellation, and (where workers are isolated) crashed workers.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  AbortError,
  PoisonTaskError,
  TaskError,
  TimeoutError,
  weft,
  type SettledItem,
  type WeftOptions,
} from "../../src/index.ts";
import {
  addExitsOn13,
  allocatesForever,
  alwaysThrows,
  alwaysThrowsRetried,
  exitsOn,
  exitsOnFirstAttempt,
  spinsForever,
  spinsOnFirstAttempt,
  spinsOnZero,
  throwsOnFirstAttempt,
  waitsForAbort,
} from "../fixtures/crash-tasks.ts";
import { add, failOn, isPrime, square, whereAmI } from "../fixtures/tasks.ts";
import { clusterBackend, localBackends } from "../support/backends.ts";
import { checkLeaks } from "../support/leaks.ts";
import { markerDirectory } from "../support/markers.ts";

checkLeaks();

async function* countTo(n: number) {
  for (let i = 0; i < n; i++) {
    await Promise.resolve();
    yield i;
  }
}
const cluster = clusterBackend();
const marker = markerDirectory();

/** 1000 items, three of which fail on their first attempt; the right answer counts each once. */
function withFlakyItems(): (number | string)[] {
  const items: (number | string)[] = Array.from({ length: 1000 }, (_, i) => i);
  for (const at of [3, 500, 999]) items[at] = marker(`item-${at}`);
  return items;
}

for (const { name, options } of [...localBackends, cluster]) {
  describe(`faults on ${name}`, () => {
    test("an item that throws once succeeds on retry; each item is counted once", async () => {
      await using pool = await weft({ ...options, maxChunk: 16 });
      const total = await pool
        .from(withFlakyItems())
        .map(throwsOnFirstAttempt)
        .options({ retries: { retries: 1, initialDelayMs: 1 } })
        .reduce(add);
      assert.equal(total, 1000);
    });

    test("each retry is reported as an event with its attempt and error", async () => {
      await using pool = await weft(options);
      const retries: { attempt: number; message: string }[] = [];
      pool.events.on("retry", (r) => retries.push({ attempt: r.attempt, message: r.error.message }));
      const flaky = marker("evented");
      assert.equal(await pool.from([flaky]).map(throwsOnFirstAttempt).options({ retries: 1 }).count(), 1);
      assert.deepEqual(retries, [{ attempt: 1, message: `first attempt at ${flaky}` }]);
    });

    test("without retries the first failure rejects the job", async () => {
      await using pool = await weft(options);
      await assert.rejects(pool.from(withFlakyItems()).map(throwsOnFirstAttempt).count(), {
        name: "TaskError",
      });
    });

    test("when retries run out, the error carries every attempt's cause", async () => {
      await using pool = await weft(options);
      const error = await pool
        .range(0, 5)
        .map(alwaysThrows)
        .options({ retries: { retries: 2, initialDelayMs: 1, factor: 3 } })
        .collect()
        .then(
          () => assert.fail("should reject"),
          (e: unknown) => e as TaskError,
        );
      assert.ok(error instanceof TaskError);
      assert.equal(error.attempts.length, 3);
      // Whichever item's retries ran out first fails the job; every attempt is of that item.
      assert.ok(
        error.attempts.every((e) => e.name === "TypeError" && e.message === `no luck with ${error.index}`),
      );
    });

    test("a retry predicate decides which errors are worth another attempt", async () => {
      await using pool = await weft(options);
      let asked = 0;
      const error = await pool
        .range(0, 1)
        .map(alwaysThrows)
        .options({
          retries: { retries: 5, initialDelayMs: 1, retryIf: (e) => (asked++, e.name !== "TypeError") },
        })
        .collect()
        .then(
          () => assert.fail("should reject"),
          (e: unknown) => e as TaskError,
        );
      assert.equal(error.attempts.length, 1);
      assert.equal(asked, 1);
    });

    test("a task's own retry policy applies in every job", async () => {
      await using pool = await weft(options);
      await assert.rejects(pool.range(0, 1).map(alwaysThrowsRetried).collect(), (e: TaskError) => {
        assert.equal(e.attempts.length, 3);
        return true;
      });
    });

    test("submit retries a call and rejects with every attempt when it keeps failing", async () => {
      await using pool = await weft(options);
      const flaky = marker("call");
      assert.equal(
        await pool.submit(throwsOnFirstAttempt, [flaky], { retries: { retries: 1, initialDelayMs: 1 } }),
        1,
      );
      await assert.rejects(pool.submit(alwaysThrowsRetried, [1]), (e: TaskError) => e.attempts.length === 3);
    });

    test("a signal aborted before the job starts rejects it at once", async () => {
      await using pool = await weft(options);
      const signal = AbortSignal.abort(new Error("not needed"));
      await assert.rejects(pool.range(0, 10).map(square).options({ signal }).collect(), (e: AbortError) => {
        assert.ok(e instanceof AbortError);
        assert.match(e.message, /cancelled: not needed/);
        return true;
      });
      await assert.rejects(pool.submit(add, [1, 2], { signal }), AbortError);
    });

    test("cancelling mid-job stops its chunks, rejects, and leaves the pool usable", async () => {
      await using pool = await weft({ ...options, maxChunk: 1000 });
      const controller = new AbortController();
      let chunks = 0;
      pool.events.on("chunk", () => {
        if (++chunks === 3) controller.abort(new Error("enough"));
      });
      await assert.rejects(
        pool.range(2, 10_000_000).filter(isPrime).options({ signal: controller.signal }).count(),
        AbortError,
      );
      assert.ok(chunks < 10, `${chunks} chunks ran; the job should stop within what was in flight`);
      assert.equal(await pool.range(0, 3).map(square).reduce(add), 5);
    });

    test("a deadline fires the task's signal; a cooperative task stops with a TimeoutError", async () => {
      await using pool = await weft(options);
      await assert.rejects(
        pool.from([1, 2]).map(waitsForAbort).options({ timeout: 50 }).collect(),
        (e: TaskError) => {
          assert.ok(e instanceof TaskError);
          assert.equal((e.cause as Error).name, "TimeoutError");
          assert.match((e.cause as Error).message, /ran past its timeout of 50 ms/);
          return true;
        },
      );
      assert.equal(await pool.range(0, 3).count(), 3);
    });

    test("a call's deadline fires the task's signal; other calls to the task are unaffected", async () => {
      await using pool = await weft(options);
      const timed = pool.submit(waitsForAbort, [1], { timeout: 50 });
      const untimed = pool.submit(add, [1, 2]);
      await assert.rejects(timed, (e: TaskError) => {
        assert.ok(e instanceof TaskError);
        assert.equal((e.cause as Error).name, "TimeoutError");
        assert.match((e.cause as Error).message, /ran past its timeout of 50 ms/);
        return true;
      });
      assert.equal(await untimed, 3);
      assert.throws(
        () => pool.submit(add, [1, 2], { timeout: 0 }),
        /timeout must be a positive integer, got 0/,
      );
    });

    test("cancelling a job whose task waits on its signal stops it at once", async () => {
      await using pool = await weft(options);
      const controller = new AbortController();
      const job = pool.from([1, 2, 3]).map(waitsForAbort).options({ signal: controller.signal }).collect();
      pool.events.once("job", () => setImmediate(() => controller.abort(new Error("user pressed stop"))));
      await assert.rejects(job, /cancelled: user pressed stop/);
      assert.equal(await pool.range(0, 3).count(), 3);
    });

    test("the collect policy finishes the job around items that keep failing", async () => {
      await using pool = await weft({ ...options, maxChunk: 50 });
      const settled = await pool.range(0, 1000).map(failOn).options({ errors: "collect" }).collect();
      assert.deepEqual(
        settled.result,
        [...Array(1000).keys()].filter((n) => n !== 13),
      );
      assert.equal(settled.failures.length, 1);
      const [failure] = settled.failures;
      assert.equal(failure!.index, 13);
      assert.equal(failure!.preview, "13");
      assert.match(failure!.task, /^failOn /);
      assert.equal(failure!.error.name, "RangeError");
      const counted = await pool.range(0, 100).map(failOn).options({ errors: "collect" }).reduce(add);
      assert.equal(counted.result, 4950 - 13);
    });

    test("a stream under collect gives every item its result or its failure, in its place, and goes on", async () => {
      await using pool = await weft({ ...options, maxChunk: 50 });
      const numbers = Array.from({ length: 400 }, (_, i) => (i % 100 === 7 ? 13 : i));
      const expected = numbers.map((n, index) => (n === 13 ? { index, failed: true } : { index, value: n }));
      const seen = (item: SettledItem<number>) =>
        "failure" in item ? { index: item.index, failed: true } : { index: item.index, value: item.value };
      const ordered = [];
      for await (const item of pool.from(numbers).map(failOn).options({ errors: "collect" }).stream()) {
        if ("failure" in item) {
          assert.equal(item.failure.index, item.index);
          assert.equal(item.failure.error.name, "RangeError");
          assert.match(item.failure.task, /^failOn /);
        }
        ordered.push(seen(item));
      }
      assert.deepEqual(ordered, expected);
      const unordered = [];
      const job = pool.from(countTo(400)).map(failOn).options({ errors: "collect" });
      for await (const item of job.stream({ ordered: false })) unordered.push(seen(item));
      assert.deepEqual(
        unordered.sort((a, b) => a.index - b.index),
        [...Array(400).keys()].map((index) =>
          index === 13 ? { index, failed: true } : { index, value: index },
        ),
      );
      // Leaving early cancels the job; the pool goes on.
      for await (const item of pool.range(0, 100_000).map(failOn).options({ errors: "collect" }).stream()) {
        if ("failure" in item) break;
      }
      assert.equal(await pool.range(0, 10).count(), 10);
    });

    test("a stream under collect pairs items with outcomes, so a step that is not a map is refused", async () => {
      await using pool = await weft(options);
      const refused = async (stream: AsyncIterable<unknown>) => {
        for await (const _ of stream) assert.fail("a refused stream gave an item");
      };
      await assert.rejects(
        refused(pool.range(0, 10).filter(isPrime).options({ errors: "collect" }).stream()),
        /a stream under the collect policy gives each input item its result or its failure, so every step must be a map/,
      );
      // A cluster reads files only under its shared directory (test/large-data covers it).
      if (name === "redis") return;
      const dir = await mkdtemp(join(tmpdir(), "weft-settled-"));
      try {
        await writeFile(join(dir, "numbers.txt"), "1\n2\n3\n");
        await assert.rejects(
          refused(pool.readLines(join(dir, "numbers.txt")).options({ errors: "collect" }).stream()),
          /a file source's records are not its input items: use collect\(\) or a sink/,
        );
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    test("under collect, retries come first: an item that recovers is not a failure", async () => {
      await using pool = await weft({ ...options, maxChunk: 16 });
      const settled = await pool
        .from(withFlakyItems())
        .map(throwsOnFirstAttempt)
        .options({ errors: "collect", retries: { retries: 1, initialDelayMs: 1 } })
        .count();
      assert.deepEqual(settled, { result: 1000, failures: [] });
      assert.throws(
        () => pool.range(0, 1).options({ errors: "sometimes" as "collect" }),
        /errors must be "fail-fast" or "collect", got "sometimes"/,
      );
    });

    test("cancelling after the job finished changes nothing", async () => {
      await using pool = await weft(options);
      const controller = new AbortController();
      assert.equal(await pool.range(0, 10).options({ signal: controller.signal }).count(), 10);
      controller.abort();
      assert.equal(await pool.range(0, 10).count(), 10);
    });
  });
}

// The sequential backend runs tasks on the caller's thread: a crash or a hang there is the caller's.
// On a cluster, the workers' own threads crash and are replaced by the worker process.
const isolated = [
  { name: "threads", options: { backend: "threads", workers: 2 } as WeftOptions },
  { name: "processes", options: { backend: "processes", workers: 2 } as WeftOptions },
  cluster,
];

for (const { name: backend, options: base } of isolated) {
  describe(`crashed workers on ${backend}`, () => {
    // A function: the cluster's options are filled in only when its Redis is up.
    const options = (): WeftOptions => ({ ...base, maxChunk: 16 });

    test("a worker that exits mid-chunk is replaced; the chunk runs again and nothing counts twice", async () => {
      await using pool = await weft(options());
      let restarts = 0;
      pool.events.on("restart", () => restarts++);
      const total = await pool.from(withFlakyItems()).map(exitsOnFirstAttempt).reduce(add);
      assert.equal(total, 1000);
      assert.equal(restarts, 3, "one restart event per crashed worker");
      assert.equal(await pool.range(0, 100).map(square).count(), 100);
    });

    test("a chunk that kills its worker every time is poison, not a crash loop", async () => {
      await using pool = await weft(options());
      await assert.rejects(pool.range(0, 100).map(exitsOn).collect(), (e: PoisonTaskError) => {
        assert.ok(e instanceof PoisonTaskError);
        assert.equal(e.crashes.length, 3);
        assert.match(e.message, /items \d+\.\.\d+ crashed its worker 3 times.*exited with code 3/);
        return true;
      });
      assert.deepEqual(await pool.range(0, 4).map(square).collect(), [0, 1, 4, 9]);
    });

    // Recycling and heap limits are the worker's own settings on a cluster, not the coordinator's.
    test(
      "workers are replaced after maxTasksPerWorker tasks, without losing or repeating any",
      { skip: backend === "redis" },
      async () => {
        // A worker retires once its finished chunks reach 100 tasks, so it runs at most 115 (chunks of
        // 16): 300 tasks need a third worker. No more than that, as every worker started costs the
        // start of a thread or a process.
        await using pool = await weft({ ...options(), maxTasksPerWorker: 100 });
        const ran = await pool.range(0, 300).map(whereAmI).collect();
        assert.equal(ran.length, 300);
        assert.ok(new Set(ran).size > 2, `only ${new Set(ran).size} workers ran 300 tasks`);
        assert.equal(await pool.range(0, 300).map(square).reduce(add), 8955050);
      },
    );

    test("a job cancelled while its crashed worker is being replaced rejects and leaves the pool whole", async () => {
      await using pool = await weft({ ...options(), maxChunk: 1 });
      const controller = new AbortController();
      // Item 7 kills its worker every time. The cancel lands from inside the first crash's report,
      // before the chunk is retried and while its worker is being replaced; waiting for later
      // chunks instead raced the chunk's third crash, which ends the job as poison first.
      pool.events.on("restart", () => controller.abort(new Error("changed my mind")));
      await assert.rejects(
        pool.range(0, 1000).map(exitsOn).options({ signal: controller.signal }).collect(),
        AbortError,
      );
      assert.equal(await pool.range(0, 100).map(square).reduce(add), 328350);
    });

    test("a reducer that kills its worker on one item is poison, not a crash loop", async () => {
      await using pool = await weft(options());
      // One chunk, so the reducer only ever runs on a worker: it also adds the chunks' results on
      // the pool's own thread, where ending the process would end the caller's.
      await assert.rejects(
        pool.range(0, 100).chunks({ minChunk: 100, maxChunk: 100 }).reduce(addExitsOn13),
        (e: PoisonTaskError) => {
          assert.ok(e instanceof PoisonTaskError);
          assert.equal(e.crashes.length, 3);
          return true;
        },
      );
      assert.equal(await pool.range(0, 10).map(square).reduce(add), 285);
    });

    test("submitted calls on a crashed worker run again", async () => {
      await using pool = await weft(options());
      const futures = withFlakyItems().map((item) => pool.submit(exitsOnFirstAttempt, [item]));
      const values = await pool.gather(futures);
      assert.equal(
        values.reduce((a, b) => a + b, 0),
        1000,
      );
    });
  });

  describe(`hung and runaway tasks on ${backend}`, () => {
    const options = (): WeftOptions => ({ ...base, graceMs: 50 });

    test("a task that ignores its deadline has its worker ended and replaced", async () => {
      await using pool = await weft(options());
      const error = await pool
        .range(0, 4)
        .map(spinsOnZero)
        .chunks({ maxChunk: 1 })
        .options({ timeout: 100, retries: { retries: 1, initialDelayMs: 1 } })
        .collect()
        .then(
          () => assert.fail("should reject"),
          (e: unknown) => e,
        );
      assert.ok(error instanceof TimeoutError, String(error));
      assert.match(error.message, /items 0\.\.0 ran past its timeout of 100 ms/);
      assert.deepEqual(await pool.range(1, 4).map(spinsOnZero).collect(), [1, 2, 3]);
    });

    test("a call that ignores its deadline has its worker ended; it runs again under its retries", async () => {
      await using pool = await weft(options());
      const hangsOnce = marker("hangs-once");
      const retried = pool.submit(spinsOnFirstAttempt, [hangsOnce], {
        timeout: 100,
        retries: { retries: 1, initialDelayMs: 1 },
      });
      const neighbour = pool.submit(spinsOnZero, [5], { timeout: 100 });
      assert.equal(await retried, 1);
      assert.equal(await neighbour, 5);
      await assert.rejects(pool.submit(spinsOnZero, [0], { timeout: 100 }), (e: TimeoutError) => {
        assert.ok(e instanceof TimeoutError, String(e));
        assert.match(e.message, /ran past its timeout of 100 ms/);
        return true;
      });
      assert.equal(await pool.submit(add, [2, 3]), 5);
    });

    test("cancelling a job stuck in a loop ends the worker after the grace period", async () => {
      await using pool = await weft(options());
      const controller = new AbortController();
      const job = pool.from([1, 2]).map(spinsForever).options({ signal: controller.signal }).collect();
      pool.events.once("job", () => setImmediate(() => controller.abort(new Error("stuck"))));
      await assert.rejects(job, AbortError);
      assert.deepEqual(await pool.range(0, 4).map(square).collect(), [0, 1, 4, 9]);
    });

    test(
      "a task that exhausts the worker's heap is stopped, retried, then reported as poison",
      { skip: backend === "redis" },
      async () => {
        await using pool = await weft({ ...options(), maxWorkerHeapMb: 48 });
        await assert.rejects(pool.from([1]).map(allocatesForever).collect(), (e: PoisonTaskError) => {
          assert.ok(e instanceof PoisonTaskError);
          assert.equal(e.crashes.length, 3);
          assert.match(e.crashes[0]!.message, /heap out of memory|heap limit/i);
          return true;
        });
        assert.equal(await pool.range(0, 10).map(square).reduce(add), 285);
      },
    );
  });
}
