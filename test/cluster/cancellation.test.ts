// Cancelling a job on a cluster must reach every chunk it had sent, including those still waiting in
// the queue for a free thread: as on one machine, a chunk of a cancelled (or failed) job never starts.
// Its coordinator takes them off the queue; a worker that took one all the same, in a race with that
// removal, skips it (an abort for it came before it ran).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseBeat } from "../../src/backends/redis/messages.ts";
import { decodeReply } from "../../src/backends/redis/wire.ts";
import { AbortError, weft } from "../../src/index.ts";
import { add } from "../fixtures/tasks.ts";
import { startCluster } from "../support/cluster.ts";
import { checkLeaks } from "../support/leaks.ts";
import { afterGate, failOrAfterGate } from "./fixtures/gate-tasks.ts";
import {
  adminClient,
  chunksInFlight,
  queuedChunks,
  watchCluster,
  closedGate,
  noChunksLeft,
  pollUntil,
  within,
  workerSettings,
} from "./helpers.ts";

checkLeaks();

/** One worker of one thread: with three chunks in flight, one runs and two wait in the queue. */
const oneThread = { ...workerSettings, threads: 1 };

describe("cancellation on a cluster", () => {
  test("a cancelled job's chunks still waiting in the queue never start", { timeout: 60_000 }, async () => {
    await using cluster = await startCluster(1, oneThread);
    await using admin = await adminClient(cluster.redis.url);
    await using traffic = await watchCluster(cluster.redis.port);
    using gate = closedGate();
    await using pool = await weft({ redis: cluster.redis.url, workers: 3, maxChunk: 1 });
    const stop = new AbortController();
    const job = pool
      .from(Array.from({ length: 20 }, () => gate.path))
      .map(afterGate)
      .options({ signal: stop.signal })
      .reduce(add);
    const inFlight = await chunksInFlight(admin, gate, 1, 2);

    stop.abort(new Error("cancelled by the test"));
    await assert.rejects(job, AbortError);
    // The gate stays closed, so a chunk ends only by being cancelled. Either every chunk of the job
    // leaves the queue without starting, or one starts after the cancel.
    try {
      const outcome = await pollUntil(
        async () => {
          if (gate.started() > 1) return `a chunk started after the cancel (${gate.started() - 1})`;
          const now = await queuedChunks(admin);
          return now.active.length + now.wait.length === 0 ? "every chunk left without starting" : undefined;
        },
        20_000,
        "the cancelled job's chunks leaving the cluster",
      );
      assert.equal(outcome, "every chunk left without starting");
      // The waiting ones were taken off the queue, or, taken by the worker in a race with their
      // removal (it is free once the running one is aborted), skipped: ended without starting, as the
      // gate's count shows. The running one was aborted and ended.
      await traffic.until(
        (log) =>
          inFlight.wait.every((id) => log.withdrawn.has(id) || log.completed.has(id)) &&
          log.completed.has(inFlight.active[0]!),
        20_000,
        "the waiting chunks removed or skipped and the running one ended",
      );
      assert.equal(gate.started(), 1, "no waiting chunk started its task");
    } finally {
      gate.open();
    }
  });

  test(
    "a failed job's chunks still waiting in the queue leave it without running to their end",
    { timeout: 60_000 },
    async () => {
      await using cluster = await startCluster(1, oneThread);
      await using admin = await adminClient(cluster.redis.url);
      using gate = closedGate();
      await using pool = await weft({ redis: cluster.redis.url, workers: 3, maxChunk: 1 });
      // The first chunk fails at once; those behind it wait for a gate that never opens.
      const items = Array.from({ length: 10 }, (_, i) => ({ gate: gate.path, fail: i === 0 }));
      await assert.rejects(pool.from(items).map(failOrAfterGate).reduce(add), /failed on purpose/);
      try {
        // Before, the two chunks waiting behind it ran, each until the gate opened: they stayed in the queue.
        await noChunksLeft(admin, 20_000, "the failed job's chunks leaving the queue, the gate closed");
        assert.ok(gate.started() <= 1, `${gate.started()} chunks started after the failure`);
      } finally {
        gate.open();
      }
    },
  );

  test(
    "a worker skips the chunks its coordinator aborted before the worker took them",
    { timeout: 60_000 },
    async () => {
      await using cluster = await startCluster(1, oneThread);
      await using admin = await adminClient(cluster.redis.url);
      await using traffic = await watchCluster(cluster.redis.port);
      using gate = closedGate();
      await using pool = await weft({ redis: cluster.redis.url, workers: 3, maxChunk: 1 });
      const job = pool.from([gate.path, gate.path, gate.path]).map(afterGate).reduce(add);
      const { wait } = await chunksInFlight(admin, gate, 1, 2);
      // What a coordinator does when it cancels chunks a worker may already have taken: an abort for
      // each on the control channel (the worker does not run them yet).
      const reason = { name: "AbortError", message: "cancelled by the test" };
      for (const chunkId of wait) {
        // Delivered to the worker's subscription now, well before the gate opens and it takes the next chunk.
        assert.equal(
          await admin.publish("weft:control", JSON.stringify({ action: "abort", chunkId, reason })),
          1,
        );
      }
      gate.open();
      // This coordinator did not in fact give them up: told they were skipped, it sends them again.
      assert.equal(await within(job, 30_000, "the job ending"), 3);
      await traffic.caughtUp();
      const replies = wait.map((id) => {
        const reply = decodeReply(traffic.log.completed.get(id)!);
        return reply.kind === "error" ? `${reply.name}: ${reply.message}` : "ran";
      });
      assert.deepEqual(
        replies,
        wait.map((id) => `InterruptedError: chunk ${id} was not run: its coordinator stopped it`),
      );
      // The first chunk, and the two sent again: neither skipped one started its task.
      assert.equal(gate.started(), 3);
      const [worker] = await admin.smembers("weft:workers");
      await pollUntil(
        async () => (parseBeat(await admin.get(`weft:workers:${worker}`))?.skipped === 2 ? true : undefined),
        10_000,
        "the worker's heartbeat counting 2 chunks skipped",
      );
    },
  );
});
