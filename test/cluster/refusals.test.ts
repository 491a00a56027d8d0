// What cluster workers refuse, and how: chunks written into the queue by hand that are malformed,
// oversized or smuggle code are refused with the reason, answered as such and logged; a module named by URL is
// never imported; a task the workers were not started with is refused with an error naming it. After
// each refusal the workers serve on.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { decodeReply, maxChunkItems, maxMessageBytes } from "../../src/backends/redis/wire.ts";
import { weft } from "../../src/index.ts";
import { add, square } from "../fixtures/tasks.ts";
import { startCluster, type TestCluster } from "../support/cluster.ts";
import { checkLeaks } from "../support/leaks.ts";
import { cube } from "./fixtures/other-tasks.ts";
import {
  adminClient,
  base64V8,
  chunkMessage,
  noChunksLeft,
  sendChunk,
  sequentialSumOfSquares,
  waitForAnyOutput,
  within,
  workerSettings,
} from "./helpers.ts";

checkLeaks();

describe("what cluster workers refuse", () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startCluster(2, workerSettings);
  });
  after(() => cluster.stop());

  /** A chunk's message with `task` as its one map stage, and `extra` fields. */
  const request = (
    task: object,
    input: object = { kind: "items", items: [2] },
    extra: { spec?: object; chunk?: object } = {},
  ) => chunkMessage(task, { input, extra });
  const squareRef = { kind: "module", url: "weft-cluster:tasks.square", index: 0, name: "square" };
  // A few hundred bytes that declare 4,294,967,295 items: the array's length, not its contents.
  const sparse: unknown[] = [];
  sparse.length = 2 ** 32 - 1;

  test(
    "malformed and oversized chunks written into the queue (in bytes, or in items for a few bytes): refused with the reason, the workers serve on",
    { timeout: 60_000 },
    async () => {
      await using admin = await adminClient(cluster.redis.url);
      const cases: { name: string; data: { spec?: string; payload: string }; reason: RegExp }[] = [
        { name: "junk", data: { payload: "not base64 v8" }, reason: /payload is not V8-serialized data/ },
        {
          name: "wrong-shape",
          data: { payload: base64V8({ hello: "world" }) },
          reason: /not a chunk request: version undefined, expected 2/,
        },
        {
          name: "inline-code",
          data: request({ kind: "inline", source: "() => process.exit(9)", name: "evil" }),
          reason: /not a chunk request: a stage's task is not a module task/,
        },
        {
          name: "huge-concurrency",
          data: request(squareRef, undefined, { spec: { concurrency: 1e9 } }),
          reason: /not a chunk request: its concurrency is not a whole number from 1 to 10000/,
        },
        {
          name: "pace-in-the-past",
          data: request(squareRef, undefined, { chunk: { pace: { startAt: 0, intervalMs: 1 } } }),
          reason: /not a chunk request: its pace is not a start within 86400000 ms of now/,
        },
        {
          name: "no-plan",
          data: { payload: request(squareRef).payload },
          reason: /spec is not V8-serialized data/,
        },
        {
          name: "sparse-array",
          data: request(squareRef, { kind: "items", items: sparse }),
          reason: new RegExp(`a chunk of 4294967295 items, over the limit of ${maxChunkItems}`),
        },
        {
          name: "huge-range",
          data: request(squareRef, { kind: "range", origin: 0, step: 1, first: 0, count: 9e15 }),
          reason: new RegExp(`a chunk of 9000000000000000 items, over the limit of ${maxChunkItems}`),
        },
        {
          // Refused by its length before it is decoded (the worker has fetched all of it by then).
          name: "oversized",
          data: { payload: "A".repeat(Math.ceil((maxMessageBytes * 4) / 3) + 8) },
          reason: /payload of \d+ characters is over the limit/,
        },
      ];
      for (const { name, data, reason } of cases) {
        const logged = waitForAnyOutput(cluster.workers, new RegExp(`refused chunk test-${name}: `));
        const chunk = { id: `test-${name}`, spec: "", ...data };
        const reply = (await sendChunk(admin, chunk)) as { kind: string; name: string; message: string };
        assert.deepEqual([reply.kind, reply.name], ["error", "WorkerError"], name);
        assert.match(reply.message, /^cluster worker \S+ refused the chunk: /, name);
        assert.match(reply.message, reason, name);
        assert.match(await within(logged, 10_000, `the worker logging chunk ${name}`), reason);
      }
      // An entry whose very header does not read: nobody to answer, so it is logged and dropped.
      const logged = waitForAnyOutput(
        cluster.workers,
        /refused chunk header-junk: queued chunk header-junk names no coordinator/,
      );
      await admin.lpush("weft:chunks:wait", "header-junk");
      await within(logged, 10_000, "the worker logging the entry");
      await noChunksLeft(admin, 10_000, "the entry dropped");

      await using pool = await weft({ redis: cluster.redis.url });
      assert.equal(await pool.range(0, 1000).map(square).reduce(add), await sequentialSumOfSquares(1000));
      assert.ok(cluster.workers.every((w) => w.child.exitCode === null && w.child.signalCode === null));
    },
  );

  test(
    "a chunk over the item limit is refused by its coordinator before it is sent, saying what to lower",
    { timeout: 30_000 },
    async () => {
      await using pool = await weft({ redis: cluster.redis.url, minChunk: maxChunkItems + 1 });
      await assert.rejects(
        pool
          .range(0, maxChunkItems + 1)
          .map(square)
          .count(),
        {
          name: "OptionError",
          message: `a chunk of ${maxChunkItems + 1} items is over the cluster's limit of ${maxChunkItems} items a chunk: lower minChunk`,
        },
      );
    },
  );

  test("a chunk naming a module by URL is refused, not imported", { timeout: 30_000 }, async () => {
    await using admin = await adminClient(cluster.redis.url);
    const url = new URL("fixtures/other-tasks.ts", import.meta.url).href;
    const data = request({ kind: "module", url, index: 0, name: "cube" });
    const chunk = { id: "test-module-url", ...data };
    const reply = (await sendChunk(admin, chunk)) as ReturnType<typeof decodeReply>;
    assert.equal(reply.kind, "error", "the worker ran a module named by a message");
    assert.match(
      reply.kind === "error" ? reply.message : "",
      /task file:\/\/.*other-tasks\.ts is not served/,
    );
  });

  test(
    "a task the workers do not serve is refused with an error naming it; the pool stays usable",
    { timeout: 30_000 },
    async () => {
      await using pool = await weft({ redis: cluster.redis.url });
      const refused = (error: Error) => {
        assert.equal(error.name, "WorkerError");
        assert.match(error.message, /task other-tasks\.cube is not served by cluster worker /);
        assert.match(error.message, /serves .*tasks\.square/);
        assert.match(error.message, /start the workers with --tasks <the module that exports it>/);
        return true;
      };
      await assert.rejects(pool.from([1, 2, 3]).map(cube).collect(), refused);
      await assert.rejects(pool.range(0, 100).map(square).map(cube).reduce(add), refused);
      await assert.rejects(pool.submit(cube, [2]), refused);
      assert.deepEqual(await pool.from([1, 2, 3]).map(square).collect(), [1, 4, 9]);
    },
  );
});
