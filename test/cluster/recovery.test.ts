// Recovery: a worker that dies mid-chunk has its chunks, found in its list of taken chunks, sent again
// by their coordinator as soon as it sees the worker gone (its connection to Redis closed, or its
// heartbeat expired); a healthy worker's long chunk is never sent twice; and the dead worker's result,
// should it come after all, is never counted. Each assertion is on what Redis ran and in which order
// (which chunk was pushed when, which worker answered it), never on how long something took.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { decodeReply } from "../../src/backends/redis/wire.ts";
import { WorkerCrashedError, weft, type ChunkRecord, type RetryRecord } from "../../src/index.ts";
import { add } from "../fixtures/tasks.ts";
import { startCluster, type ClusterWorkerProcess } from "../support/cluster.ts";
import { checkLeaks } from "../support/leaks.ts";
import { runThroughFault, sendsByChunk } from "./fault-run.ts";
import { afterGate } from "./fixtures/gate-tasks.ts";
import { slowSquare } from "./fixtures/slow-tasks.ts";
import {
  adminClient,
  chunkIdParts,
  closedGate,
  heldBy,
  killHoldingChunks,
  pollUntil,
  sequentialSumOfSquares,
  watchCluster,
  workerIdPrefix,
  within,
  workerSettings,
} from "./helpers.ts";

checkLeaks();

describe("recovery from a worker's death", () => {
  test(
    "a worker SIGKILLed mid-chunk: exactly its chunks start again, on the other worker, each once",
    { timeout: 120_000 },
    (t) =>
      runThroughFault(t, {
        name: "SIGKILL",
        async during({ t, cluster, admin, traffic, pool, job, atFirstChunk }) {
          const [victim, survivor] = cluster.workers as [ClusterWorkerProcess, ClusterWorkerProcess];
          const retries: RetryRecord[] = [];
          let killedAt = 0;
          let resentAt = 0;
          pool.events.on("retry", (r) => {
            retries.push(r);
            resentAt ||= Date.now();
          });
          const held = await atFirstChunk(() => killHoldingChunks(admin, victim));
          killedAt = Date.now();
          await job.catch(() => {});
          t.diagnostic(`the dead worker's chunks were sent again ${resentAt - killedAt} ms after its death`);
          await traffic.caughtUp();
          {
            const heldSeqs = held.map((id) => chunkIdParts(id).seq).sort((a, b) => a - b);
            const sends = sendsByChunk(traffic.log);
            // Sent again: the dead worker's chunks, each once; every other chunk was sent once.
            const again = [...sends].filter(([, ids]) => ids.length > 1);
            assert.deepEqual(
              again.map(([seq]) => seq).sort((a, b) => a - b),
              heldSeqs,
              "exactly the chunks the dead worker held were sent again",
            );
            for (const [seq, ids] of again) {
              assert.equal(ids.length, 2, `chunk ${seq} sent twice`);
              assert.ok(held.includes(ids[0]!), `chunk ${seq}: its first send was the dead worker's`);
              // Its second send ran on the survivor.
              const answeredBy = traffic.log.answeredBy.get(ids[1]!);
              assert.ok(
                answeredBy?.startsWith(workerIdPrefix(survivor)),
                `chunk ${seq}: answered by ${answeredBy}`,
              );
            }
            // Told as a crash of that worker, one retry per chunk.
            assert.deepEqual(
              retries.map((r) => r.seq).sort((a, b) => a - b),
              heldSeqs,
            );
            for (const r of retries) {
              assert.ok(r.error instanceof WorkerCrashedError, String(r.error));
              assert.match(r.error.message, new RegExp(`cluster worker ${workerIdPrefix(victim)}\\S* died`));
            }
          }
          return undefined;
        },
      }),
  );

  test(
    "a worker gone without a word after taking a chunk: its chunk is found in its list of taken chunks",
    { timeout: 60_000 },
    async () => {
      await using cluster = await startCluster(1, workerSettings);
      await using admin = await adminClient(cluster.redis.url);
      // A stand-in for a worker whose machine vanished: announced as a worker announces itself, its
      // last heartbeat running out in a few seconds, no connection left; it takes one chunk as a
      // worker does, and never answers.
      const beat = {
        id: "ghost-worker",
        host: "gone",
        pid: 1,
        concurrency: 1,
        cores: 1,
        running: 1,
        done: 0,
        failed: 0,
        tasks: [],
      };
      await admin
        .multi()
        .set("weft:workers:ghost-worker", JSON.stringify(beat), "PX", 4000)
        .sadd("weft:workers", "ghost-worker")
        .exec();
      const taker = admin.duplicate();
      try {
        await using pool = await weft({ redis: cluster.redis.url, maxChunk: 50 });
        const retries: RetryRecord[] = [];
        pool.events.on("retry", (r) => retries.push(r));
        const answer = pool.range(0, 3000).map(slowSquare).reduce(add);
        const ghostChunk = await taker.blmove(
          "weft:chunks:wait",
          "weft:workers:ghost-worker:taken",
          "RIGHT",
          "LEFT",
          10,
        );
        assert.ok(ghostChunk, "the stand-in took a chunk");
        assert.equal(await answer, await sequentialSumOfSquares(3000));
        assert.equal(retries.length, 1, "only the stand-in's chunk was sent again");
        assert.ok(retries[0]!.error instanceof WorkerCrashedError, String(retries[0]!.error));
        assert.match(retries[0]!.error.message, /cluster worker ghost-worker died/);
        assert.deepEqual(
          await admin.lrange("weft:workers:ghost-worker:taken", 0, -1),
          [],
          "taken off its list",
        );
      } finally {
        taker.disconnect();
      }
    },
  );

  test(
    "a chunk running long on a healthy worker, while another worker dies, is sent once",
    { timeout: 90_000 },
    async () => {
      await using cluster = await startCluster(2, { ...workerSettings, threads: 1 });
      await using admin = await adminClient(cluster.redis.url);
      await using traffic = await watchCluster(cluster.redis.port);
      using gate = closedGate();
      await using pool = await weft({ redis: cluster.redis.url, workers: 1 });
      const retries: RetryRecord[] = [];
      pool.events.on("retry", (r) => retries.push(r));
      const job = pool.from([gate.path]).map(afterGate).reduce(add);
      await pollUntil(
        () => Promise.resolve(gate.started() === 1 ? true : undefined),
        20_000,
        "the chunk running",
      );
      const runner = await pollUntil(
        async () => {
          for (const w of cluster.workers) if ((await heldBy(admin, w)).length === 1) return w;
          return undefined;
        },
        20_000,
        "the chunk in its worker's list",
      );
      const [holder] = await heldBy(admin, runner);
      const runnerId = (await admin.smembers("weft:workers")).find((id) =>
        id.startsWith(workerIdPrefix(runner)),
      );
      const other = cluster.workers.find((w) => w !== runner)!;
      await other.kill();
      // The coordinator looks at the workers every 500 ms; the worker beats every 2 s. Three beats
      // seen (its heartbeat's time to live renewed three times) are many looks.
      const key = `weft:workers:${runnerId}`;
      let beats = 0;
      let ttl = await admin.pttl(key);
      await pollUntil(
        async () => {
          const now = await admin.pttl(key);
          if (now > ttl) beats++;
          ttl = now;
          return beats >= 3 ? true : undefined;
        },
        30_000,
        "three heartbeats of the running chunk's worker",
      );
      gate.open();
      assert.equal(await within(job, 30_000, "the job ending"), 1);
      await traffic.caughtUp();
      assert.deepEqual(traffic.log.added, [holder], "the chunk was sent once");
      assert.deepEqual(retries, []);
    },
  );

  test(
    "a worker frozen mid-chunk (SIGSTOP): its chunk runs again elsewhere once its heartbeat expires, and its own result, when it comes, is not counted",
    { timeout: 120_000 },
    async () => {
      await using cluster = await startCluster(2, { ...workerSettings, threads: 1 });
      await using admin = await adminClient(cluster.redis.url);
      await using traffic = await watchCluster(cluster.redis.port);
      using gate = closedGate();
      await using pool = await weft({ redis: cluster.redis.url, workers: 2, maxChunk: 1 });
      const chunks: ChunkRecord[] = [];
      pool.events.on("chunk", (c) => chunks.push(c));
      const retries: RetryRecord[] = [];
      pool.events.on("retry", (r) => retries.push(r));
      // Two chunks of one gated item: one on each worker's thread.
      const job = pool.from([gate.path, gate.path]).map(afterGate).reduce(add);
      await pollUntil(
        () => Promise.resolve(gate.started() === 2 ? true : undefined),
        20_000,
        "both chunks running",
      );
      const [frozen, other] = cluster.workers as [ClusterWorkerProcess, ClusterWorkerProcess];
      const [held] = await heldBy(admin, frozen);
      assert.ok(held, "the frozen worker holds one of the chunks");
      frozen.child.kill("SIGSTOP");
      try {
        // Its connections stay open, so only its heartbeat, expiring, says it is gone.
        await traffic.until((log) => log.added.length === 3, 60_000, "the frozen worker's chunk sent again");
        const resent = traffic.log.added[2]!;
        assert.equal(chunkIdParts(resent).seq, chunkIdParts(held).seq);
        gate.open();
        assert.equal(await within(job, 30_000, "the job ending"), 2);
        await traffic.caughtUp();
        assert.ok(
          traffic.log.answeredBy.get(resent)?.startsWith(workerIdPrefix(other)),
          "sent again to the other worker",
        );
      } finally {
        frozen.child.kill("SIGCONT");
      }
      // Thawed, the frozen worker finishes its chunk and sends a complete result for it.
      await traffic.until((log) => log.completed.has(held), 30_000, "the thawed worker's result");
      const reply = traffic.log.completed.get(held)!;
      assert.equal(decodeReply(reply).kind, "outcome", "a real result, not an error");
      // The pool reads its replies in order: once a later job's result is in, it has read that one.
      assert.equal(await within(pool.from([gate.path]).map(afterGate).reduce(add), 30_000, "a later job"), 1);
      const firstJob = chunks.filter((c) => c.jobId === chunks[0]!.jobId);
      assert.deepEqual(
        firstJob.map((c) => c.items),
        [1, 1],
        "each of the first job's two chunks was counted once",
      );
      assert.equal(retries.length, 1);
      assert.ok(retries[0]!.error instanceof WorkerCrashedError);
    },
  );
});
