// Recovery with the default settings (a 30 s lease): a worker that dies mid-chunk has its chunks sent
// again by their coordinator as soon as it sees the worker gone (its connection to Redis closed, or its
// heartbeat expired), long before BullMQ's lease would hand them on; a healthy worker's long chunk is
// never sent twice; and the dead worker's result, should it come after all, is never counted.
// Each assertion is on events and their order (BullMQ's stalled events, the dead worker's lease still
// held, which worker took each send), never on how long something took.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Worker } from "bullmq";
import { chunkQueueName } from "../../src/backends/redis/keys.ts";
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
  bullIdParts,
  bullQueue,
  closedGate,
  heldBy,
  pollUntil,
  sequentialSumOfSquares,
  workerIdPrefix,
  within,
  workerSettings,
  type BullLog,
} from "./helpers.ts";

checkLeaks();

/** Every worker with its own default lease (30 s): no `--lease`. */
const defaults = { ...workerSettings, leaseMs: "default" } as const;

/** The worker (by id prefix) that reported progress on BullMQ job `id`, from its first progress event. */
function takenBy(log: BullLog, id: string): string | undefined {
  const [first] = (log.progress.get(id) ?? []) as { worker?: string }[];
  return first?.worker;
}

describe("recovery with the default lease", () => {
  test(
    "a worker SIGKILLed mid-chunk: its chunks start again on the other worker while its lease still holds them",
    { timeout: 120_000 },
    (t) =>
      runThroughFault(t, {
        name: "SIGKILL, default lease",
        workers: defaults,
        async during({ t, cluster, admin, bull, pool, job, atFirstChunk }) {
          const [victim, survivor] = cluster.workers as [ClusterWorkerProcess, ClusterWorkerProcess];
          const retries: RetryRecord[] = [];
          let killedAt = 0;
          let resentAt = 0;
          pool.events.on("retry", (r) => {
            retries.push(r);
            resentAt ||= Date.now();
          });
          const held = await atFirstChunk(async () => {
            await victim.kill();
            killedAt = Date.now();
            return heldBy(admin, victim);
          });
          assert.notDeepEqual(held, [], "the worker was running chunks when it was killed");
          await job.catch(() => {});
          t.diagnostic(
            `the dead worker's chunks were sent again ${resentAt - killedAt} ms after its death (lease 30 s)`,
          );
          // The job is over and the dead worker's 30 s leases still hold its chunks: BullMQ has not handed
          // them on, so the chunks ran again because their coordinator sent them again.
          const locks = await Promise.all(held.map((id) => admin.exists(`weft:chunks:${id}:lock`)));
          assert.deepEqual(
            locks,
            held.map(() => 1),
            "the dead worker's leases had not run out",
          );
          await bull.caughtUp();
          assert.deepEqual(bull.log.stalled, [], "BullMQ redelivered nothing");
          {
            const heldSeqs = held.map((id) => bullIdParts(id).seq).sort((a, b) => a - b);
            const sends = sendsByChunk(bull.log);
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
              // Its second send started on the survivor.
              assert.ok(bull.log.active.includes(ids[1]!), `chunk ${seq}: sent again and taken`);
              assert.ok(takenBy(bull.log, ids[1]!)?.startsWith(workerIdPrefix(survivor)), `chunk ${seq}`);
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
    "a worker gone after taking a chunk and before saying so: its chunk is found by BullMQ's note of who took it",
    { timeout: 60_000 },
    async () => {
      await using cluster = await startCluster(1, defaults);
      await using admin = await adminClient(cluster.redis.url);
      // A stand-in for a worker killed between taking a chunk and reporting it: a plain BullMQ worker
      // under a name of its own, never present, which takes one chunk and never answers.
      let tookChunk!: (bullId: string) => void;
      const taken = new Promise<string>((resolve) => (tookChunk = resolve));
      const ghost = new Worker(
        chunkQueueName,
        (bullJob) => {
          tookChunk(bullJob.id!);
          return new Promise(() => {});
        },
        {
          connection: { host: "127.0.0.1", port: cluster.redis.port, maxRetriesPerRequest: null },
          prefix: "weft",
          concurrency: 1,
          name: "ghost-worker",
          lockDuration: 30_000,
        },
      );
      try {
        await using pool = await weft({ redis: cluster.redis.url, maxChunk: 50 });
        const retries: RetryRecord[] = [];
        pool.events.on("retry", (r) => retries.push(r));
        const answer = await pool.range(0, 3000).map(slowSquare).reduce(add);
        assert.equal(answer, await sequentialSumOfSquares(3000));
        const ghostChunk = await within(taken, 1000, "the stand-in taking a chunk");
        assert.equal(await admin.exists(`weft:chunks:${ghostChunk}:lock`), 1, "its 30 s lease still holds");
        assert.equal(retries.length, 1, "only the stand-in's chunk was sent again");
        assert.ok(retries[0]!.error instanceof WorkerCrashedError, String(retries[0]!.error));
        assert.match(retries[0]!.error.message, /ghost-worker/);
      } finally {
        await ghost.close(true);
      }
    },
  );

  test(
    "a chunk running long on a healthy worker, while another worker dies, is sent once",
    { timeout: 90_000 },
    async () => {
      await using cluster = await startCluster(2, { ...defaults, threads: 1 });
      await using admin = await adminClient(cluster.redis.url);
      await using bull = await bullQueue(cluster.redis.port);
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
      await bull.caughtUp();
      const [holder] = await bull.queue.getActive();
      const runner = cluster.workers.find((w) =>
        takenBy(bull.log, holder!.id!)?.startsWith(workerIdPrefix(w)),
      );
      assert.ok(runner, "the chunk's worker reported itself");
      const other = cluster.workers.find((w) => w !== runner)!;
      await other.kill();
      // The coordinator looks at its chunk's worker every 500 ms; the worker beats every 2 s. Three
      // beats seen (its heartbeat's time to live renewed three times) are many looks.
      const key = `weft:workers:${takenBy(bull.log, holder!.id!)}`;
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
      await bull.caughtUp();
      assert.deepEqual(bull.log.added, [holder!.id], "the chunk was sent once");
      assert.deepEqual(retries, []);
    },
  );

  test(
    "a worker frozen mid-chunk (SIGSTOP): its chunk runs again elsewhere once its heartbeat expires, and its own result, when it comes, is not counted",
    { timeout: 120_000 },
    async () => {
      await using cluster = await startCluster(2, { ...defaults, threads: 1 });
      await using bull = await bullQueue(cluster.redis.port);
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
      await bull.caughtUp();
      const [frozen, other] = cluster.workers as [ClusterWorkerProcess, ClusterWorkerProcess];
      const firstSends = [...bull.log.added];
      const held = firstSends.find((id) => takenBy(bull.log, id)?.startsWith(workerIdPrefix(frozen)))!;
      assert.ok(held, "the frozen worker holds one of the chunks");
      frozen.child.kill("SIGSTOP");
      try {
        // Its connections stay open, so only its heartbeat, expiring, says it is gone.
        await bull.until((log) => log.added.length === 3, 60_000, "the frozen worker's chunk sent again");
        const resent = bull.log.added[2]!;
        assert.equal(bullIdParts(resent).seq, bullIdParts(held).seq);
        gate.open();
        assert.equal(await within(job, 30_000, "the job ending"), 2);
        assert.ok(
          takenBy(bull.log, resent)?.startsWith(workerIdPrefix(other)),
          "sent again to the other worker",
        );
      } finally {
        frozen.child.kill("SIGCONT");
      }
      // Thawed, the frozen worker finishes its chunk (its 30 s lease still holds it) and publishes a
      // complete result for it.
      await bull.until((log) => log.completed.has(held), 30_000, "the thawed worker's result");
      const reply = bull.log.completed.get(held) as { payload: string };
      assert.equal(decodeReply(reply.payload).kind, "outcome", "a real result, not an error");
      // The pool reads the stream in order: once a later job's result is in, it has read that one.
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
