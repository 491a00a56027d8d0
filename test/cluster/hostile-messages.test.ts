// What anyone who can write to the cluster's Redis can send, and what it must not do: a control
// message of any shape crashes no worker; an entry on BullMQ's event stream that does not read leaves
// the coordinator listening; a chunk lost again and again fails its job instead of being sent for ever;
// a reply naming an error by an inherited property name (`constructor`) is not looked up the prototype
// chain; and a worker's threads have a heap limit unless told otherwise.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Worker } from "bullmq";
import { Redis } from "ioredis";
import { defaultThreadHeapMb } from "../../src/backends/redis/cluster-worker.ts";
import { closeRedis } from "../../src/backends/redis/connection.ts";
import { maxResendsPerChunk } from "../../src/backends/redis/redis-backend.ts";
import { encodeReply } from "../../src/backends/redis/wire.ts";
import { WorkerError, weft } from "../../src/index.ts";
import { add, square } from "../fixtures/tasks.ts";
import { startCluster } from "../support/cluster.ts";
import { checkLeaks } from "../support/leaks.ts";
import { heapLimitMb } from "./fixtures/probe-tasks.ts";
import { slowSquare } from "./fixtures/slow-tasks.ts";
import {
  adminClient,
  bullIdParts,
  bullQueue,
  pollUntil,
  sequentialSumOfSquares,
  waitForOutput,
  within,
  workerSettings,
} from "./helpers.ts";

checkLeaks();

describe("hostile messages", () => {
  test(
    "control messages of any shape: each refused with the reason and logged, and every worker serves on",
    { timeout: 60_000 },
    async () => {
      await using cluster = await startCluster(2, workerSettings);
      await using admin = await adminClient(cluster.redis.url);
      const messages: [string, RegExp][] = [
        ["null", /not an object but null/],
        ["42", /not an object but number/],
        ['"abort"', /not an object but string/],
        ["[]", /not an object but an array/],
        ["{}", /unknown action undefined/],
        ["{not json", /not JSON/],
        ['{"action":"explode"}', /unknown action "explode"/],
        ['{"action":"abort"}', /abort without a chunk id/],
        ['{"action":"stop","bullId":{"toString":1}}', /stop without a chunk id/],
        ['{"action":"abort","bullId":"x","reason":null}', /abort without a reason/],
        ['{"action":"stop","bullId":"x","reason":{"name":1,"message":2}}', /stop without a reason/],
        ['{"action":"forget"}', /forget without a coordinator id/],
        ['{"action":"forget","coordinator":"c","jobId":-1}', /forget without a job id/],
        ['{"action":"forget","coordinator":"c","jobId":"0"}', /forget without a job id/],
      ];
      for (const [message] of messages) {
        assert.equal(await admin.publish("weft:control", message), 2, "both workers are subscribed");
      }
      const refusals = (output: string) =>
        output.split("\n").filter((line) => line.startsWith("refused a control message"));
      for (const worker of cluster.workers) {
        await pollUntil(
          () => Promise.resolve(refusals(worker.output()).length === messages.length ? true : undefined),
          20_000,
          `the worker refusing the ${messages.length} messages:\n${worker.output()}`,
        );
        refusals(worker.output()).forEach((line, i) => assert.match(line, messages[i]![1], line));
        assert.equal(worker.child.exitCode, null, worker.output());
      }
      await using pool = await weft({ redis: cluster.redis.url });
      assert.equal(await pool.range(0, 1000).map(square).reduce(add), await sequentialSumOfSquares(1000));
      assert.ok(cluster.workers.every((w) => w.child.exitCode === null && w.child.signalCode === null));
    },
  );

  test(
    "entries on BullMQ's event stream that do not read: the coordinator passes them by and hears its results",
    { timeout: 60_000 },
    async () => {
      await using cluster = await startCluster(2, workerSettings);
      await using admin = await adminClient(cluster.redis.url);
      await using pool = await weft({ redis: cluster.redis.url, maxChunk: 50 });
      const entries = [
        ["event", "completed", "jobId", "bogus", "returnvalue", "{not json"],
        ["event", "progress", "jobId", "bogus", "data", "{not json"],
        ["event", "completed", "returnvalue", "{not json"],
        ["event", "failed", "jobId", "bogus"],
        ["jobId", "bogus"],
      ];
      for (const fields of entries) await admin.xadd("weft:chunks:events", "*", ...fields);
      // BullMQ's own reader stopped for good on the first: the job then never ended.
      const expected = await sequentialSumOfSquares(1000);
      const answer = await within(
        Promise.resolve(pool.range(0, 1000).map(slowSquare).reduce(add)),
        30_000,
        "the job ending",
      );
      assert.equal(answer, expected);
      // And again, once more entries came after it.
      for (const fields of entries) await admin.xadd("weft:chunks:events", "*", ...fields);
      assert.equal(
        await within(Promise.resolve(pool.range(0, 1000).map(square).reduce(add)), 30_000, "again"),
        expected,
      );
    },
  );

  test(
    `a chunk lost each time it is sent fails its job after ${maxResendsPerChunk + 1} sends, saying why`,
    { timeout: 60_000 },
    async () => {
      // No worker: the test plays a Redis that loses every chunk, removing each as soon as it is added.
      await using cluster = await startCluster(0);
      await using bull = await bullQueue(cluster.redis.port);
      bull.events.on("added", ({ jobId }) => void bull.queue.remove(jobId).catch(() => {}));
      // Checks for lost chunks every 500 ms.
      await using pool = await weft({ redis: { url: cluster.redis.url, unreachableTimeoutMs: 1500 } });
      const job = Promise.resolve(pool.from([3]).map(square).collect());
      const error = await within(
        job.then(
          () => assert.fail("a chunk that was never run gave a result"),
          (e: Error) => e,
        ),
        30_000,
        "the job failing",
      );
      assert.ok(error instanceof WorkerError, String(error));
      assert.match(error.message, /the chunk of items 0\.\.0 was lost 6 times \(last: Redis lost it\)/);
      assert.match(error.message, /check the cluster's Redis/);
      await bull.caughtUp();
      assert.deepEqual(
        bull.log.added.map((id) => bullIdParts(id).seq),
        Array.from({ length: maxResendsPerChunk + 1 }, () => 0),
        "sent once, and again after each loss until the limit",
      );
    },
  );

  test(
    "a reply naming its error `constructor`, `__proto__` or `toString` fails the chunk as a WorkerError",
    { timeout: 60_000 },
    async () => {
      await using cluster = await startCluster(0);
      // A worker of the test's own that answers every chunk with an error of the name it is told.
      let name = "";
      const connection = new Redis({
        host: "127.0.0.1",
        port: cluster.redis.port,
        maxRetriesPerRequest: null,
      });
      const impostor = new Worker(
        "chunks",
        () =>
          Promise.resolve({
            payload: encodeReply({ kind: "error", name, message: `an error named ${name}` }),
          }),
        { connection, prefix: "weft" },
      );
      try {
        await using pool = await weft({ redis: cluster.redis.url, workers: 1 });
        for (const inherited of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
          name = inherited;
          await assert.rejects(pool.from([1]).map(square).collect(), (error: unknown) => {
            assert.ok(error instanceof WorkerError, `${inherited}: ${String(error)}`);
            assert.equal(error.message, `an error named ${inherited}`);
            return true;
          });
        }
        // A name it knows is still rebuilt as its own class.
        name = "CloneError";
        await assert.rejects(pool.from([1]).map(square).collect(), { name: "CloneError" });
      } finally {
        await impostor.close();
        await closeRedis(connection);
      }
    },
  );

  test(
    "a worker's threads have a heap limit by default: half the machine's memory shared among them, 256 to 2048 MB",
    { timeout: 60_000 },
    async () => {
      await using cluster = await startCluster(1, workerSettings);
      const [worker] = cluster.workers;
      const expected = defaultThreadHeapMb(2);
      assert.match(
        await waitForOutput(worker!, /threads of at most/),
        new RegExp(`2 threads of at most ${expected} MB heap each`),
      );
      await using pool = await weft({ redis: cluster.redis.url, maxChunk: 1 });
      const limits = await pool.from([0, 1, 2, 3]).map(heapLimitMb).collect();
      for (const limit of limits) {
        // V8's limit is the old generation's, which weft sets, and the young generation's beside it.
        assert.ok(limit >= expected && limit < expected + 512, `a thread's heap limit is ${limit} MB`);
      }
    },
  );
});
