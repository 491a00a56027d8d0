// What anyone who can write to the cluster's Redis can send, and what it must not do: a control
// message of any shape crashes no worker; an entry on a coordinator's replies list that does not read
// leaves the coordinator listening; a chunk lost again and again fails its job instead of being sent for ever;
// a reply naming an error by an inherited property name (`constructor`) is not looked up the prototype
// chain; and a worker's threads have a heap limit unless told otherwise.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
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
  chunkIdParts,
  pollUntil,
  sequentialSumOfSquares,
  waitForOutput,
  watchCluster,
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
        ['{"action":"stop","chunkId":{"toString":1}}', /stop without a chunk id/],
        ['{"action":"abort","chunkId":"x","reason":null}', /abort without a reason/],
        ['{"action":"stop","chunkId":"x","reason":{"name":1,"message":2}}', /stop without a reason/],
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
    "entries on a coordinator's replies list that do not read: the coordinator passes them by and hears its results",
    { timeout: 60_000 },
    async () => {
      await using cluster = await startCluster(2, workerSettings);
      await using admin = await adminClient(cluster.redis.url);
      await using pool = await weft({ redis: cluster.redis.url, maxChunk: 50 });
      const [coordinator] = await admin.smembers("weft:coordinators");
      const replies = `weft:coordinators:${coordinator}:replies`;
      const entries = [
        "{not an entry",
        "bogus\nreply\n{not base64",
        "bogus\nstarted\nmore",
        "\nreply\nAAAA",
        "bogus\nexploded",
        `${coordinator}-99-0-0\nreply\nnot V8 data`,
      ];
      await admin.rpush(replies, ...entries);
      const expected = await sequentialSumOfSquares(1000);
      const answer = await within(
        Promise.resolve(pool.range(0, 1000).map(slowSquare).reduce(add)),
        30_000,
        "the job ending",
      );
      assert.equal(answer, expected);
      // And again, once more entries came after it.
      await admin.rpush(replies, ...entries);
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
      // No worker: the test plays a Redis that loses every chunk, emptying the queue over and over.
      await using cluster = await startCluster(0);
      await using admin = await adminClient(cluster.redis.url);
      await using traffic = await watchCluster(cluster.redis.port);
      // Checks for lost chunks every 500 ms.
      await using pool = await weft({ redis: { url: cluster.redis.url, unreachableTimeoutMs: 1500 } });
      const job = Promise.resolve(pool.from([3]).map(square).collect());
      let ended = false;
      const losing = (async () => {
        while (!ended) {
          await admin.del("weft:chunks:wait");
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })();
      const error = await within(
        job.then(
          () => assert.fail("a chunk that was never run gave a result"),
          (e: Error) => e,
        ),
        30_000,
        "the job failing",
      ).finally(() => (ended = true));
      await losing;
      assert.ok(error instanceof WorkerError, String(error));
      assert.match(error.message, /the chunk of items 0\.\.0 was lost 6 times \(last: Redis lost it\)/);
      assert.match(error.message, /check the cluster's Redis/);
      await traffic.caughtUp();
      assert.deepEqual(
        traffic.log.added.map((id) => chunkIdParts(id).seq),
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
      let stopped = false;
      const connection = new Redis({
        host: "127.0.0.1",
        port: cluster.redis.port,
        maxRetriesPerRequest: null,
      });
      connection.on("error", () => {});
      const impostor = (async () => {
        while (!stopped) {
          const entry = await connection.blmove(
            "weft:chunks:wait",
            "weft:workers:impostor:taken",
            "RIGHT",
            "LEFT",
            1,
          );
          if (!entry) continue;
          const [id, coordinator] = entry.split("\n");
          const reply = encodeReply({ kind: "error", name, message: `an error named ${name}` });
          await connection.rpush(`weft:coordinators:${coordinator}:replies`, `${id}\nreply\n${reply}`);
        }
      })();
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
        stopped = true;
        await impostor;
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
