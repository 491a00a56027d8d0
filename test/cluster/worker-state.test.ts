// Broadcasts and actors on a cluster, where a worker is a machine that can join, leave or die: a
// worker that joins runs the broadcasts of the coordinators there before its first chunk; a worker
// killed under an actor fails its calls with ActorDiedError within seconds, and `restart` makes the
// actor again on a worker still there; what arrives in a worker's inbox is checked like any chunk.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { encodeChunk, encodeSpec, decodeReply } from "../../src/backends/redis/wire.ts";
import { ActorDiedError, WorkerError, weft } from "../../src/index.ts";
import { newCounter } from "../fixtures/actor-tasks.ts";
import { readLevel, setLevel } from "../fixtures/broadcast-tasks.ts";
import { startCluster } from "../support/cluster.ts";
import { checkLeaks } from "../support/leaks.ts";
import { cube } from "./fixtures/other-tasks.ts";
import { adminClient, waitForOutput, within, workerSettings } from "./helpers.ts";

checkLeaks();

describe("worker state on a cluster", () => {
  test(
    "a worker that joins runs the broadcasts of the pools there before its first chunk, refuses bad ones left in Redis and removes those of pools gone; a pool that closes takes its own away",
    { timeout: 60_000 },
    async () => {
      await using cluster = await startCluster(1, workerSettings);
      await using admin = await adminClient(cluster.redis.url);
      {
        await using pool = await weft({ redis: cluster.redis.url });
        assert.equal((await pool.broadcast(setLevel, ["debug"])).length, 2);
        const [field] = Object.keys(await admin.hgetall("weft:broadcasts"));
        const coordinator = field!.slice(0, field!.lastIndexOf(":"));
        const planted = { [`${coordinator}:990`]: "{not json", [`${coordinator}:991`]: "{}" };
        await admin.hset("weft:broadcasts", { ...planted, "gone-coordinator:1": "{}" });
        const joined = await cluster.addWorker();
        for (const bad of Object.keys(planted)) {
          await within(
            waitForOutput(joined, new RegExp(`refused a broadcast left in Redis \\(${bad}\\)`)),
            10_000,
            `the refusal of ${bad}`,
          );
        }
        assert.equal(await admin.hexists("weft:broadcasts", "gone-coordinator:1"), 0);
        await admin.hdel("weft:broadcasts", ...Object.keys(planted));
        // Only the worker that joined is left to run the job.
        await cluster.workers[0]!.stop();
        const levels = await pool.range(0, 200).map(readLevel).collect();
        assert.deepEqual(new Set(levels), new Set(["debug"]));
      }
      assert.deepEqual(await admin.hgetall("weft:broadcasts"), {});
    },
  );

  test(
    "a worker killed under an actor fails its calls with ActorDiedError; with restart it is made again on a worker still there",
    { timeout: 60_000 },
    async () => {
      await using cluster = await startCluster(2, workerSettings);
      await using pool = await weft({ redis: cluster.redis.url });
      await using kept = await pool.actor(newCounter, [10], { restart: true });
      assert.equal(await kept.add(1), 11);
      const pidOf = async (where: Promise<string>) => Number((await where).split("/")[0]);
      const keptPid = await pidOf(kept.where());
      // Actors spread over the machines: of three more, on four threads, one shares kept's machine.
      const others = await Promise.all([0, 0, 0].map(() => pool.actor(newCounter, [0])));
      try {
        const pids = await Promise.all(others.map((a) => pidOf(a.where())));
        assert.equal(new Set([keptPid, ...pids]).size, 2, "the actors are not on both machines");
        const lost = others[pids.indexOf(keptPid)]!;
        await cluster.workers.find((w) => w.child.pid === keptPid)!.kill();
        await within(assert.rejects(lost.add(1), ActorDiedError), 10_000, "the death noticed");
        await assert.rejects(lost.add(1), ActorDiedError);
        await assert.rejects(kept.add(1), ActorDiedError);
        assert.equal(await kept.add(2), 12, "made again from its factory's arguments");
        assert.notEqual(await pidOf(kept.where()), keptPid);
      } finally {
        await Promise.all(others.map((a) => a[Symbol.asyncDispose]()));
      }
    },
  );

  test(
    "an actor whose factory the workers do not serve is refused, naming it",
    { timeout: 30_000 },
    async () => {
      await using cluster = await startCluster(1, workerSettings);
      await using pool = await weft({ redis: cluster.redis.url });
      await assert.rejects(pool.actor(cube as never, [2]), (error: unknown) => {
        assert.ok(error instanceof WorkerError);
        assert.match(error.message, /task other-tasks\.cube is not served by cluster worker/);
        return true;
      });
      await using counter = await pool.actor(newCounter, [1]);
      assert.equal(await counter.add(1), 2);
    },
  );

  test(
    "direct calls written into an inbox by hand: malformed ones refused and logged, one naming a module by URL answered with a refusal, the worker serves on",
    { timeout: 30_000 },
    async () => {
      await using cluster = await startCluster(1, workerSettings);
      await using admin = await adminClient(cluster.redis.url);
      const [worker] = await admin.smembers("weft:workers");
      const inbox = `weft:workers:${worker}:inbox`;
      const [printing] = cluster.workers;
      for (const [text, why] of [
        ["null", /not an object/],
        ['{"call":1}', /no coordinator id/],
        ['{"call":1,"coordinator":"c","thread":-1,"message":{}}', /neither a thread number nor all threads/],
      ] as const) {
        const logged = waitForOutput(printing!, new RegExp(`refused a direct call \\(${why.source}`));
        await admin.rpush(inbox, text);
        await within(logged, 10_000, `the refusal of ${text}`);
      }
      const smuggled = {
        id: 0,
        stages: [],
        terminal: { op: "call", task: { kind: "module", url: "file:///tmp/evil.js", index: 0 } },
      } as const;
      const message = encodeChunk("intruder", encodeSpec(smuggled), {
        jobId: 0,
        seq: 0,
        start: 0,
        input: { kind: "items", items: [[]] },
      });
      await admin.rpush(inbox, JSON.stringify({ call: 7, coordinator: "intruder", thread: 0, message }));
      const answer = await admin.blpop("weft:coordinators:intruder:answers", 10);
      assert.ok(answer, "no answer");
      const { call, replies } = JSON.parse(answer[1]) as { call: number; replies: string[] };
      assert.equal(call, 7);
      const reply = decodeReply(replies[0]);
      assert.equal(reply.kind, "error");
      assert.match(
        reply.kind === "error" ? reply.message : "",
        /task file:\/\/\/tmp\/evil\.js is not served/,
      );
      await using pool = await weft({ redis: cluster.redis.url });
      await using counter = await pool.actor(newCounter, [1]);
      assert.equal(await counter.add(1), 2);
    },
  );
});
