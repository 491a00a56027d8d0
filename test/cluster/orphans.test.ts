// What becomes of the chunks of a coordinator that dies (SIGKILL). Its presence in the cluster (a
// subscription of its own, a heartbeat key) goes with it; the workers see that within seconds, stop its
// chunks they run, skip those still waiting as they take them, and drop the jobs they kept for it. The
// test holds every chunk behind a closed gate: nothing of the dead coordinator's runs to its end, and
// nothing of it is left in Redis.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { parseBeat } from "../../src/backends/redis/messages.ts";
import { decodeReply } from "../../src/backends/redis/wire.ts";
import { startCluster } from "../support/cluster.ts";
import { checkLeaks } from "../support/leaks.ts";
import {
  adminClient,
  bullIdParts,
  chunksInFlight,
  queuedChunks,
  bullQueue,
  closedGate,
  exited,
  jobKeysIn,
  pollUntil,
  startScript,
  waitForOutput,
  within,
  workerSettings,
} from "./helpers.ts";

checkLeaks();

const killedCoordinator = fileURLToPath(new URL("fixtures/killed-coordinator.ts", import.meta.url));

test(
  "a SIGKILLed coordinator: the workers stop its running chunks, skip its waiting ones and drop its jobs, and nothing of it is left",
  { timeout: 90_000 },
  async (t) => {
    await using cluster = await startCluster(2, workerSettings);
    await using admin = await adminClient(cluster.redis.url);
    await using bull = await bullQueue(cluster.redis.port);
    using gate = closedGate();

    await using coordinator = startScript(killedCoordinator, [cluster.redis.url, gate.path]);
    const started = await within(
      waitForOutput(coordinator, /^started \d+$/),
      20_000,
      "the coordinator starting",
    );
    const slots = Number(started.split(" ")[1]);
    assert.equal(slots, 8, "twice the 4 threads of the cluster");
    // One chunk per slot in BullMQ: one on each of the 4 threads, the 4 others waiting. None can end.
    const inFlight = await chunksInFlight(admin, gate, 4, 4);
    const orphans = [...inFlight.active, ...inFlight.wait].sort();
    const dead = bullIdParts(orphans[0]!).coordinator;
    assert.equal(await admin.exists(`weft:coordinators:${dead}`), 1, "the coordinator's heartbeat");
    // The workers keep the coordinator's job while its chunks run.
    const jobsKept = async () =>
      (await admin.mget(cluster.workers.map((w) => `weft:workers:${workerIdOf(w.output())}`)))
        .map((text) => parseBeat(text)?.jobs)
        .reduce((a, b) => (a ?? 0) + (b ?? 0), 0);
    await pollUntil(
      async () => ((await jobsKept()) === 2 ? true : undefined),
      20_000,
      "each worker keeping the job",
    );

    coordinator.child.kill("SIGKILL");
    assert.deepEqual(await exited(coordinator.child), { code: null, signal: "SIGKILL" });

    // Every one of its chunks ends, the gate still closed: the running ones stopped, the waiting ones
    // skipped as they were taken. None of the waiting ones started its task.
    await bull.until(
      (log) => orphans.every((id) => log.completed.has(id)),
      30_000,
      "the workers ending the dead coordinator's chunks",
    );
    assert.equal(gate.started(), 4, "no waiting chunk started after its coordinator died");
    for (const id of orphans) {
      const reply = decodeReply((bull.log.completed.get(id) as { payload: string }).payload);
      assert.equal(reply.kind, "error", id);
      assert.equal(reply.kind === "error" && reply.name, "InterruptedError", id);
      const expected = inFlight.active.includes(id)
        ? new RegExp(`^coordinator ${dead} is gone$`)
        : new RegExp(`^chunk ${id} was not run: its coordinator is gone$`);
      assert.match(reply.kind === "error" ? reply.message : "", expected, id);
    }
    assert.ok(
      cluster.workers.some((w) =>
        w.output().includes(`coordinator ${dead} is gone: stopped its chunks here`),
      ),
    );
    // Nothing left: no job of it in BullMQ, no key of it, and no job kept for it on the workers.
    await pollUntil(
      async () => ((await jobsKept()) === 0 ? true : undefined),
      20_000,
      "the workers dropping the dead coordinator's job",
    );
    assert.deepEqual(await queuedChunks(admin), { active: [], wait: [] });
    assert.deepEqual(jobKeysIn(await admin.keys("weft:chunks:*")), []);
    assert.deepEqual(
      (await admin.keys("*")).filter((key) => key.includes(dead)),
      [],
    );
    await bull.caughtUp();
    assert.deepEqual(bull.log.added.filter((id) => id.startsWith(`${dead}-`)).sort(), orphans);
    assert.deepEqual(bull.log.stalled, [], "no chunk was redelivered");
    t.diagnostic(`left in Redis: ${(await admin.keys("weft:*")).sort().join(", ")}`);
  },
);

/** A worker's id, from the line it prints when it starts. */
function workerIdOf(output: string): string {
  const id = /^weft worker (\S+)$/m.exec(output)?.[1];
  if (!id) throw new Error(`no worker id in:\n${output}`);
  return id;
}
