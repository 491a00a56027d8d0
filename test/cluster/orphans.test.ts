// What a coordinator that dies (SIGKILL) leaves in Redis, and what becomes of it. Today nothing owns
// it: nothing cancels or removes its chunks, the workers run every one of them for nobody, BullMQ
// removes each as it completes, and its results stay in the event stream. The test pins that down,
// leftovers included, so a change to it (a coordinator ledger that cleans up) is a change it sees.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { decodeReply } from "../../src/backends/redis/wire.ts";
import { weft } from "../../src/index.ts";
import { startCluster } from "../support/cluster.ts";
import { checkLeaks } from "../support/leaks.ts";
import {
  adminClient,
  bullIdParts,
  bullJobsIn,
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
  "a SIGKILLed coordinator: nothing removes its chunks; the workers run them all for nobody, then BullMQ drops them",
  { timeout: 90_000 },
  async (t) => {
    await using cluster = await startCluster(2, workerSettings);
    await using admin = await adminClient(cluster.redis.url);
    await using bull = await bullQueue(cluster.redis.port);
    await using control = await adminClient(cluster.redis.url);
    const published: string[] = [];
    control.on("message", (_channel: string, message: string) => published.push(message));
    await control.subscribe("weft:control");
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
    const queue = async () => ({
      active: await bullJobsIn(admin, "active"),
      wait: await bullJobsIn(admin, "wait"),
    });
    const inFlight = await pollUntil(
      async () => {
        const now = await queue();
        return now.active.length === 4 && now.wait.length === 4 ? now : undefined;
      },
      20_000,
      "4 chunks running and 4 waiting",
    );
    coordinator.child.kill("SIGKILL");
    assert.deepEqual(await exited(coordinator.child), { code: null, signal: "SIGKILL" });

    // What it left: its 8 chunks as BullMQ jobs (the running ones with their lease), nothing else.
    const orphans = [...inFlight.active, ...inFlight.wait].sort();
    const parts = orphans.map(bullIdParts);
    const dead = parts[0]!.coordinator;
    assert.deepEqual(
      parts.map(({ coordinator, job, seq }) => ({ coordinator, job, seq })).sort((a, b) => a.seq - b.seq),
      Array.from({ length: 8 }, (_, seq) => ({ coordinator: dead, job: 1, seq })),
      "the first 8 chunks of its first job",
    );
    const jobKeys = async () => jobKeysIn(await admin.keys("weft:chunks:*")).sort();
    assert.deepEqual(
      await jobKeys(),
      [...orphans, ...inFlight.active.map((id) => `${id}:lock`)].map((id) => `weft:chunks:${id}`).sort(),
    );
    assert.deepEqual(await queue(), inFlight);

    // Nothing removes them while they wait or run. BullMQ's stalled check, twice (a lease must be
    // seen missing by two checks in a row): the workers running them renew their leases.
    for (let check = 0; check < 2; check++) {
      await admin.del("weft:chunks:stalled-check");
      await pollUntil(
        async () => ((await admin.exists("weft:chunks:stalled-check")) === 1 ? true : undefined),
        20_000,
        "a worker running BullMQ's stalled check",
      );
    }
    // A new coordinator, opened and closed on the same cluster: it knows nothing of them.
    {
      await using _other = await weft({ redis: cluster.redis.url });
    }
    assert.deepEqual(await queue(), inFlight);
    await bull.caughtUp();
    assert.deepEqual(bull.log.stalled, [], "no chunk was redelivered");
    assert.deepEqual(published, [], "no abort, stop or forget was published: the workers were never told");

    // Once they can, the workers run every one of them, the waiting ones too, and their results go nowhere.
    gate.open();
    await bull.until(
      (log) => orphans.every((id) => log.completed.has(id)),
      30_000,
      "the workers completing the dead coordinator's chunks",
    );
    for (const id of orphans) {
      const reply = decodeReply((bull.log.completed.get(id) as { payload: string }).payload);
      // Reduced on the worker: the chunk's one item, 1.
      assert.deepEqual(
        reply.kind === "outcome" && reply.outcome.ok && reply.outcome.partial,
        { has: true, value: 1 },
        id,
      );
    }
    // Completed jobs are removed by BullMQ (removeOnComplete): no job key is left, the queue is empty.
    assert.deepEqual(await jobKeys(), []);
    assert.deepEqual(await queue(), { active: [], wait: [] });
    // Only those 8 were ever sent: the rest of its job died with it.
    await bull.caughtUp();
    assert.deepEqual(bull.log.added.filter((id) => id.startsWith(`${dead}-`)).sort(), orphans);
    // Their results stay in the event stream, read by no one, until BullMQ trims it (at ~10,000 events).
    const stream = await admin.xrange("weft:chunks:events", "-", "+");
    const resultsLeft = stream
      .map(([, fields]) => Object.fromEntries(pairs(fields)))
      .filter((event) => event.event === "completed" && event.jobId?.startsWith(`${dead}-`));
    assert.deepEqual(resultsLeft.map((event) => event.jobId).sort(), orphans);
    assert.ok(resultsLeft.every((event) => (event.returnvalue?.length ?? 0) > 0));
    t.diagnostic(
      `left in Redis: ${(await admin.keys("weft:*")).sort().join(", ")}; the event stream holds ${stream.length} events`,
    );
  },
);

/** `[k1, v1, k2, v2]` as `[[k1, v1], [k2, v2]]`. */
function pairs(fields: string[]): [string, string][] {
  return Array.from({ length: fields.length / 2 }, (_, i) => [fields[2 * i]!, fields[2 * i + 1]!]);
}
