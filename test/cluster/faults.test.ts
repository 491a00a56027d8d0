// Cluster faults with real processes: `weft worker` processes SIGKILLed or stopped mid-job, the
// coordinator's connections cut, Redis restarted empty. Each test starts its own cluster, since each
// breaks it. The answer is always the sequential one; a job may fail only with an error naming Redis.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { weft, type ChunkRecord, type Pool, type Progress } from "../../src/index.ts";
import { add } from "../fixtures/tasks.ts";
import { checkLeaks } from "../support/leaks.ts";
import { startCluster } from "../support/cluster.ts";
import { slowSquare } from "./fixtures/slow-tasks.ts";
import { adminClient, bullQueue, exited, sequentialSumOfSquares, within, workerSettings } from "./helpers.ts";

checkLeaks();

const closeWhileDown = fileURLToPath(new URL("fixtures/close-while-down.ts", import.meta.url));

/** Items of about 1 ms each, in chunks of at most 50: about 3 s of work on the cluster's 4 threads. */
const items = 3000;
const chunking = { maxChunk: 50 };

/** What a pool's events say about its job: every chunk record, and the items done so far. */
function watch(pool: Pool) {
  const chunks: ChunkRecord[] = [];
  let done = 0;
  pool.events.on("chunk", (c) => chunks.push(c));
  pool.events.on("progress", (p) => (done = p.done));
  return {
    chunks,
    get done() {
      return done;
    },
    /** Items over every chunk record: the job's size if no chunk was counted twice. */
    get itemsCounted() {
      return chunks.reduce((n, c) => n + c.items, 0);
    },
  };
}

describe("cluster faults", () => {
  test(
    "a worker SIGKILLed mid-chunk: its chunks are redelivered and nothing counts twice",
    { timeout: 60_000 },
    async (t) => {
      const expected = await sequentialSumOfSquares(items);
      await using cluster = await startCluster(2, workerSettings);
      await using bull = await bullQueue(cluster.redis.port);
      const stalled: number[] = [];
      bull.events.on("stalled", () => stalled.push(Date.now()));
      await using pool = await weft({ redis: cluster.redis.url, ...chunking });
      const seen = watch(pool);
      const victim = cluster.workers[0]!;
      let killedAt = 0;
      let killed: Promise<void> | undefined;
      pool.events.once("chunk", () => {
        killedAt = Date.now();
        killed = victim.kill();
      });

      const result = await pool.range(0, items).map(slowSquare).reduce(add);
      const endedAt = Date.now();
      await killed;

      assert.equal(result, expected);
      assert.equal(seen.itemsCounted, items, "every item in exactly one chunk record");
      assert.equal(seen.done, items);
      assert.ok(killedAt > 0, "the worker was killed during the job");
      assert.equal(victim.child.signalCode, "SIGKILL");
      assert.ok(stalled.length >= 1, "the killed worker was running a chunk, which BullMQ redelivered");
      const recoveryMs = endedAt - killedAt;
      t.diagnostic(
        `redelivered ${stalled[0]! - killedAt} ms after the kill (lease 1000 ms); ` +
          `the job ended ${recoveryMs} ms after the kill`,
      );
      assert.ok(recoveryMs < 30_000, `the job ended ${recoveryMs} ms after the kill`);
    },
  );

  test("every worker gone: the job waits, and a new worker finishes it", { timeout: 60_000 }, async (t) => {
    const expected = await sequentialSumOfSquares(items);
    await using cluster = await startCluster(2, workerSettings);
    await using pool = await weft({ redis: cluster.redis.url, ...chunking });
    const seen = watch(pool);
    let settled = false;
    const job = pool.range(0, items).map(slowSquare).reduce(add);
    job.then(
      () => (settled = true),
      () => (settled = true),
    );
    await new Promise((resolve) => pool.events.once("chunk", resolve));
    await Promise.all(cluster.workers.map((w) => w.kill()));
    const allDeadAt = Date.now();
    const recordsBefore = seen.chunks.length;

    // Nothing can run now: results already on their way may still arrive, but no chunk may end later.
    await delay(1500);
    assert.equal(settled, false, "the job waits for workers instead of settling");
    const late = seen.chunks.slice(recordsBefore).filter((c) => c.endedAt > allDeadAt + 50);
    assert.deepEqual(late, [], "no chunk ended after every worker had died");
    assert.ok(seen.done < items, "work was left when the workers died");

    const addedAt = Date.now();
    await cluster.addWorker();
    const result = await job;
    t.diagnostic(`the new worker finished the job ${Date.now() - addedAt} ms after it was started`);
    assert.equal(result, expected);
    assert.equal(seen.itemsCounted, items);
  });

  test(
    "connections cut mid-job, the coordinator's alone then everyone's: ioredis reconnects, the answer is exact",
    { timeout: 60_000 },
    async (t) => {
      const expected = await sequentialSumOfSquares(items);
      await using cluster = await startCluster(2, workerSettings);
      await using admin = await adminClient(cluster.redis.url);
      // Connections open and not on their way out (weft()'s first probe quits before it resolves).
      const clientIds = async () =>
        new Set(
          ((await admin.client("LIST")) as string)
            .split("\n")
            .filter((line) => !/ cmd=quit /.test(line))
            .flatMap((line) => /^id=(\d+) /.exec(line)?.[1] ?? []),
        );
      const others = await clientIds();
      await using pool = await weft({ redis: cluster.redis.url, ...chunking });
      // The connections that appeared with the pool are the coordinator's.
      const coordinator = [...(await clientIds())].filter((id) => !others.has(id));
      const seen = watch(pool);
      const cuts: Promise<string>[] = [];
      pool.events.once("chunk", () => {
        cuts.push(
          Promise.all(
            coordinator.map((id) => (admin.client("KILL", "ID", id) as Promise<number>).catch(() => 0)),
          ).then(
            (killed) => `${killed.reduce((a, b) => a + b, 0)} of the coordinator's ${coordinator.length}`,
          ),
        );
      });
      const onProgress = (p: Progress) => {
        if (p.done < items / 2) return;
        pool.events.off("progress", onProgress);
        cuts.push(
          Promise.all([
            admin.client("KILL", "TYPE", "normal") as Promise<number>,
            admin.client("KILL", "TYPE", "pubsub") as Promise<number>,
          ]).then(([normal, pubsub]) => `all: ${normal} normal and ${pubsub} pubsub`),
        );
      };
      pool.events.on("progress", onProgress);

      const result = await pool.range(0, items).map(slowSquare).reduce(add);
      const killed = await Promise.all(cuts);

      t.diagnostic(`connections killed: ${killed.join(", then ")}`);
      // Its queue, its event reader (BullMQ adds a blocking duplicate) and its control connection.
      assert.ok(coordinator.length >= 3, `the coordinator holds ${coordinator.length} connections`);
      assert.equal(cuts.length, 2, "connections were cut twice during the job");
      assert.match(killed[0]!, new RegExp(`^${coordinator.length} of`));
      assert.equal(result, expected);
      assert.equal(seen.itemsCounted, items);
    },
  );

  test(
    "Redis restarted empty mid-job: the job gets the exact answer or fails naming Redis, never hangs",
    { timeout: 90_000 },
    async (t) => {
      const expected = await sequentialSumOfSquares(items);
      await using cluster = await startCluster(2, workerSettings);
      await using pool = await weft({
        redis: { url: cluster.redis.url, unreachableTimeoutMs: 6000 },
        ...chunking,
      });
      let restarted: Promise<void> | undefined;
      let restartedAt = 0;
      pool.events.once("chunk", () => {
        restarted = cluster.redis.restart().then(() => void (restartedAt = Date.now()));
      });
      const startedAt = Date.now();
      const outcome = await within(
        pool
          .range(0, items)
          .map(slowSquare)
          .reduce(add)
          .then(
            (value) => ({ value }),
            (error: Error) => ({ error }),
          ),
        60_000,
        "the job settling after Redis restarted",
      );
      await restarted;
      assert.ok(restartedAt > 0, "Redis was restarted during the job");
      if ("error" in outcome) {
        t.diagnostic(`the job failed: ${outcome.error.message}`);
        assert.match(outcome.error.message, /Redis (has been unreachable|lost)/);
      } else {
        t.diagnostic(`the job completed ${Date.now() - restartedAt} ms after Redis came back`);
        assert.equal(outcome.value, expected);
      }
      t.diagnostic(`the job settled ${Date.now() - startedAt} ms after it started`);

      // The workers reconnected to the new Redis: the pool still works.
      assert.equal(
        await within(pool.range(0, 300).map(slowSquare).reduce(add), 30_000, "a job after the restart"),
        8955050,
      );
      for (const [i, w] of cluster.workers.entries()) {
        const lines = w
          .output()
          .split("\n")
          .filter((line) => /redis|refused|error/i.test(line) && !/connected to/.test(line));
        t.diagnostic(
          `worker ${i} logged ${lines.length} lines about Redis${lines.length ? `: ${[...new Set(lines)].slice(0, 5).join(" | ")}` : ""}`,
        );
      }
    },
  );

  test(
    "Redis gone for good: the job fails after unreachableTimeoutMs, naming Redis; the pool works again once Redis is back",
    { timeout: 90_000 },
    async (t) => {
      await using cluster = await startCluster(2, workerSettings);
      await using pool = await weft({
        redis: { url: cluster.redis.url, unreachableTimeoutMs: 3000 },
        ...chunking,
      });
      let stopped: Promise<number> | undefined;
      pool.events.once("chunk", () => {
        stopped = cluster.redis.stop().then(() => Date.now());
      });
      const job = pool.range(0, items).map(slowSquare).reduce(add);
      const error = await within(
        job.then(
          () => assert.fail("the job completed without Redis"),
          (e: Error) => e,
        ),
        20_000,
        "the job failing after Redis stopped",
      );
      const stoppedAt = await stopped!;
      t.diagnostic(`the job failed ${Date.now() - stoppedAt} ms after Redis stopped: ${error.message}`);
      assert.equal(error.name, "WorkerError");
      assert.match(error.message, /Redis has been unreachable for \d+ s, longer than unreachableTimeoutMs/);
      assert.match(error.message, /could not reach Redis at redis:\/\/127\.0\.0\.1:\d+/);

      // Redis is back, empty: the same pool, and the same workers, run the next job.
      await cluster.redis.restart();
      const again = await within(
        pool.range(0, 300).map(slowSquare).reduce(add),
        30_000,
        "a job once Redis was back",
      );
      assert.equal(again, 8955050);
    },
  );

  test(
    "while Redis is down, a coordinator's pool.close() resolves and its process exits; SIGTERM stops a worker",
    {
      timeout: 60_000,
    },
    async (t) => {
      await using cluster = await startCluster(1, workerSettings);
      const worker = cluster.workers[0]!;
      // The coordinator runs in a child process: if its close hangs, the test can still end it.
      const coordinator = spawn(process.execPath, ["--import", "tsx", closeWhileDown, cluster.redis.url], {
        stdio: ["pipe", "pipe", "pipe"],
      });
      let output = "";
      const printed = (pattern: RegExp) =>
        new Promise<void>((resolve) => {
          const check = () => pattern.test(output) && resolve();
          coordinator.stdout.on("data", check);
          check();
        });
      coordinator.stdout.on("data", (data: Buffer) => (output += data.toString()));
      coordinator.stderr.on("data", (data: Buffer) => (output += data.toString()));
      try {
        await within(printed(/^ready$/m), 20_000, "the coordinator starting");
        await cluster.redis.stop();
        coordinator.stdin.end("close\n");
        worker.child.kill("SIGTERM");
        const ending = (child: ChildProcess) =>
          within(exited(child), 8000, "exit").catch(() => "still running 8 s later");
        const [coordinatorExit, workerExit] = await Promise.all([ending(coordinator), ending(worker.child)]);
        t.diagnostic(`coordinator: ${JSON.stringify(coordinatorExit)}, printed: ${JSON.stringify(output)}`);
        t.diagnostic(
          `worker: ${JSON.stringify(workerExit)}, last lines: ${worker.output().split("\n").slice(-3).join(" | ")}`,
        );
        assert.deepEqual(
          { coordinatorExit, closed: /^closed$/m.test(output), workerExit },
          { coordinatorExit: { code: 0, signal: null }, closed: true, workerExit: { code: 0, signal: null } },
        );
      } finally {
        coordinator.kill("SIGKILL");
        await exited(coordinator);
      }
    },
  );

  test(
    "SIGTERM on a busy worker: it finishes its chunks, says stopped, exits 0; the answer is exact",
    { timeout: 60_000 },
    async (t) => {
      const expected = await sequentialSumOfSquares(items);
      await using cluster = await startCluster(2, workerSettings);
      await using bull = await bullQueue(cluster.redis.port);
      let stalled = 0;
      bull.events.on("stalled", () => stalled++);
      await using pool = await weft({ redis: cluster.redis.url, ...chunking });
      const seen = watch(pool);
      const leaving = cluster.workers[0]!;
      let stopped:
        Promise<{ code: number | null; signal: NodeJS.Signals | null; afterMs: number }> | undefined;
      pool.events.once("chunk", () => {
        const at = Date.now();
        leaving.child.kill("SIGTERM");
        stopped = exited(leaving.child).then((exit) => ({ ...exit, afterMs: Date.now() - at }));
      });

      const result = await pool.range(0, items).map(slowSquare).reduce(add);
      const { afterMs, ...exit } = await within(stopped!, 20_000, "the worker exiting after SIGTERM");

      t.diagnostic(`the worker exited ${afterMs} ms after SIGTERM`);
      assert.deepEqual(exit, { code: 0, signal: null }, leaving.output());
      assert.match(leaving.output(), /SIGTERM: finishing the running chunks, then stopping/);
      assert.match(leaving.output(), /^stopped$/m);
      assert.equal(stalled, 0, "the stopping worker finished its chunks: none had to be redelivered");
      assert.equal(result, expected);
      assert.equal(seen.itemsCounted, items);
    },
  );
});
