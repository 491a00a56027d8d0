// Redis going away under a cluster. Restarted while the job runs, each case has one outcome: empty,
// the chunks it lost are sent again; with its data kept, nothing is lost; before the job, nothing was
// in flight to lose. The answer is exact in all three. Gone for longer than unreachableTimeoutMs, the
// job fails naming Redis; and a pool closed while Redis is down still closes.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { once } from "node:events";
import { describe, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { parseQueued } from "../../src/backends/redis/queue-entries.ts";
import { weft } from "../../src/index.ts";
import { add } from "../fixtures/tasks.ts";
import { startCluster } from "../support/cluster.ts";
import { startRedis } from "../support/redis-server.ts";
import { checkLeaks } from "../support/leaks.ts";
import { chunksLost, faultJob, runThroughFault, sendsByChunk, type Fault } from "./fault-run.ts";
import { slowSquare } from "./fixtures/slow-tasks.ts";
import {
  adminClient,
  chunkIdParts,
  exited,
  startScript,
  waitForOutput,
  within,
  workerSettings,
} from "./helpers.ts";

checkLeaks();

const closeWhileDown = fileURLToPath(new URL("fixtures/close-while-down.ts", import.meta.url));

/** Checks every 2 s for chunks Redis no longer holds, and waits 6 s for a Redis that went away. */
const unreachableTimeoutMs = 6000;

const restarts: Fault[] = [
  {
    name: "Redis restarted empty mid-job: the chunks it lost are sent again, and the answer is exact",
    unreachableTimeoutMs,
    async during({ t, cluster, traffic, job, atFirstChunk }) {
      const restartedAt = await atFirstChunk(() => cluster.redis.restart().then(() => Date.now()));
      await job.catch(() => {});
      t.diagnostic(`the job ended ${Date.now() - restartedAt} ms after Redis came back`);
      return async () => {
        await traffic.caughtUp();
        // The chunks in flight at the restart vanished with Redis's data: the pool sent them again.
        const resent = [...sendsByChunk(traffic.log)].filter(([, sends]) => sends.length > 1);
        t.diagnostic(
          `chunks sent again: ${resent.map(([seq, sends]) => `${seq} (${sends.length}x)`).join(", ")}`,
        );
        assert.notDeepEqual(resent, [], "the chunks in flight at the restart were sent again");
        assert.deepEqual(
          resent.filter(([, sends]) => !sends.some((id) => traffic.log.completed.has(id))),
          [],
          "each chunk sent again completed",
        );
      };
    },
  },
  {
    name: "Redis restarted with its data kept (AOF) mid-job: no chunk is lost, and the answer is exact",
    unreachableTimeoutMs,
    redis: { persist: true },
    async during({ t, cluster, traffic, job, atFirstChunk }) {
      await atFirstChunk(() => cluster.redis.restart());
      await job.catch(() => {});
      return async () => {
        await traffic.caughtUp();
        // The log misses what Redis ran while it was restarting, but not a chunk sent again after.
        const resent = [...sendsByChunk(traffic.log)].filter(([, sends]) => sends.length > 1);
        t.diagnostic(
          `sent again: ${JSON.stringify(resent)}; unanswered in the log: ${chunksLost(traffic.log).join(", ")}`,
        );
        // A reply the coordinator's BLPOP took from Redis in its last moment before shutting down is
        // lost on the way (Redis exits without writing it out), and the census then sends its chunk
        // again: seen in about 1 run in 10 on a loaded machine. That loses an answer, not a chunk:
        // its first sending was answered, which the log shows. A chunk lost with Redis's data would not be.
        assert.deepEqual(
          resent.filter(([, [first]]) => !traffic.log.completed.has(first!)),
          [],
          "no chunk was lost: every chunk sent again had been answered the first time",
        );
      };
    },
  },
  {
    name: "Redis restarted empty before the job: the pool and its workers reconnect, nothing is lost",
    unreachableTimeoutMs,
    async before({ cluster }) {
      await cluster.redis.restart();
    },
    async during({ traffic, job }) {
      await job.catch(() => {});
      return async () => {
        await traffic.caughtUp();
        assert.deepEqual(chunksLost(traffic.log), [], "every chunk's first sending was answered");
      };
    },
  },
];

describe("Redis restarts", () => {
  for (const fault of restarts) test(fault.name, { timeout: 90_000 }, (t) => runThroughFault(t, fault));
});

describe("Redis gone", () => {
  test(
    "for longer than unreachableTimeoutMs: the job fails naming Redis; the pool works again once Redis is back",
    { timeout: 90_000 },
    async (t) => {
      await using cluster = await startCluster(2, workerSettings);
      await using pool = await weft({
        // The file's bound: with 3 s, under a loaded full suite, the job after the restart once
        // failed as if Redis were still gone. Each census waits a third of the bound, so a longer
        // one leaves a loaded machine more time to get the first census after the restart through.
        redis: { url: cluster.redis.url, unreachableTimeoutMs },
        maxChunk: faultJob.maxChunk,
      });
      let stopped: Promise<number> | undefined;
      pool.events.once("chunk", () => {
        stopped = cluster.redis.stop().then(() => Date.now());
      });
      const job = pool.range(0, faultJob.items).map(slowSquare).reduce(add);
      const error = await within(
        job.then(
          () => assert.fail("the job completed without Redis"),
          (e: Error) => e,
        ),
        30_000,
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
    "a job cancelled while Redis is down leaves no chunk in the queue once Redis is back",
    { timeout: 60_000 },
    async () => {
      // No worker: whatever reaches the queue stays there to be seen.
      await using redis = await startRedis();
      await using admin = await adminClient(redis.url);
      await using pool = await weft({ redis: { url: redis.url, unreachableTimeoutMs }, workers: 2 });
      const adminLost = once(admin, "close");
      await redis.stop();
      // The pool's connections ended with the admin's: its chunks now wait for it to be back.
      await within(adminLost, 10_000, "the connection closing");
      const controller = new AbortController();
      const started = once(pool.events, "job");
      const cancelled = pool.range(0, 100).map(slowSquare).options({ signal: controller.signal }).reduce(add);
      // Started, and given the moment its first chunks take to be posted (to wait, with Redis away).
      await started;
      await delay(200);
      controller.abort(new Error("cancelled by the test"));
      await assert.rejects(cancelled, /cancelled by the test/);

      await redis.restart();
      // A job sent once Redis is back: its chunks go out on the connection the cancelled job's would
      // have gone out on before them, so once one is in the queue, any of those would be too.
      const next = pool.range(0, 10).map(slowSquare).reduce(add);
      next.catch(() => {});
      // The pool's first job is 1, the cancelled one; the next is 2.
      const queuedJobs = async () =>
        (await admin.lrange("weft:chunks:wait", 0, -1)).map(
          (entry) => chunkIdParts(parseQueued(entry).id).job,
        );
      let jobs: number[] = [];
      for (let polls = 0; !jobs.includes(2); polls++) {
        if (polls === 200)
          assert.fail(`the next job's chunks never reached the queue: ${JSON.stringify(jobs)}`);
        await delay(50);
        jobs = await queuedJobs().catch(() => []);
      }
      assert.deepEqual(
        jobs.filter((job) => job !== 2),
        [],
        "no chunk of the cancelled job in the queue",
      );
    },
  );

  test(
    "while Redis is down, a coordinator's pool.close() resolves and its process exits; SIGTERM stops a worker",
    { timeout: 60_000 },
    async (t) => {
      await using cluster = await startCluster(1, workerSettings);
      const worker = cluster.workers[0]!;
      // The coordinator runs in a child process: if its close hangs, the test can still end it.
      await using coordinator = startScript(closeWhileDown, [cluster.redis.url]);
      await within(waitForOutput(coordinator, /^ready$/), 20_000, "the coordinator starting");
      await cluster.redis.stop();
      coordinator.child.stdin!.end("close\n");
      worker.child.kill("SIGTERM");
      // Each closes within a few bounded waits of 2 s (closeBoundMs); far beyond that, it hangs.
      const ending = (child: typeof worker.child) =>
        within(exited(child), 30_000, "exit").catch(() => "still running 30 s later");
      const [coordinatorExit, workerExit] = await Promise.all([
        ending(coordinator.child),
        ending(worker.child),
      ]);
      t.diagnostic(
        `coordinator: ${JSON.stringify(coordinatorExit)}, printed: ${JSON.stringify(coordinator.output())}`,
      );
      t.diagnostic(
        `worker: ${JSON.stringify(workerExit)}, last lines: ${worker.output().split("\n").slice(-3).join(" | ")}`,
      );
      assert.deepEqual(
        { coordinatorExit, closed: /^closed$/m.test(coordinator.output()), workerExit },
        { coordinatorExit: { code: 0, signal: null }, closed: true, workerExit: { code: 0, signal: null } },
      );
    },
  );
});
