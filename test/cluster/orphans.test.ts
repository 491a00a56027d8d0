// What becomes of the chunks of a coordinator that dies (SIGKILL). Its presence in the cluster (a
// subscription of its own, a heartbeat key) goes with it; the workers see that within seconds, stop its
// chunks they run, skip those still waiting as they take them, answer none of them (nobody would read
// the answers), and drop the jobs they kept for it. The test holds every chunk behind a closed gate:
// nothing of the dead coordinator's runs to its end, and nothing of it is left in Redis.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { parseBeat } from "../../src/backends/redis/messages.ts";
import { startCluster } from "../support/cluster.ts";
import { checkLeaks } from "../support/leaks.ts";
import {
  adminClient,
  chunkMessage,
  chunkIdParts,
  chunksInFlight,
  queuedChunks,
  watchCluster,
  closedGate,
  exited,
  noChunksLeft,
  pollUntil,
  sendChunk,
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
    await using traffic = await watchCluster(cluster.redis.port);
    using gate = closedGate();

    await using coordinator = startScript(killedCoordinator, [cluster.redis.url, gate.path]);
    const started = await within(
      waitForOutput(coordinator, /^started \d+$/),
      20_000,
      "the coordinator starting",
    );
    const slots = Number(started.split(" ")[1]);
    assert.equal(slots, 8, "twice the 4 threads of the cluster");
    // One chunk per slot: one on each of the 4 threads, the 4 others waiting in the queue. None can end.
    const inFlight = await chunksInFlight(admin, gate, 4, 4);
    const orphans = [...inFlight.active, ...inFlight.wait].sort();
    const dead = chunkIdParts(orphans[0]!).coordinator;
    assert.equal(await admin.exists(`weft:coordinators:${dead}`), 1, "the coordinator's heartbeat");
    // The workers keep the coordinator's job while its chunks run.
    const beats = async () =>
      (await admin.mget(cluster.workers.map((w) => `weft:workers:${workerIdOf(w.output())}`))).map(parseBeat);
    const jobsKept = async () => (await beats()).reduce((n, beat) => n + (beat?.jobs ?? 0), 0);
    await pollUntil(
      async () => ((await jobsKept()) === 2 ? true : undefined),
      20_000,
      "each worker keeping the job",
    );

    coordinator.child.kill("SIGKILL");
    assert.deepEqual(await exited(coordinator.child), { code: null, signal: "SIGKILL" });

    // Every one of its chunks ends, the gate still closed: the running ones stopped, the waiting ones
    // skipped as they were taken. None of the waiting ones started its task.
    await noChunksLeft(admin, 30_000, "the workers ending the dead coordinator's chunks");
    assert.equal(gate.started(), 4, "no waiting chunk started after its coordinator died");
    await pollUntil(
      async () => ((await beats()).reduce((n, beat) => n + (beat?.skipped ?? 0), 0) === 4 ? true : undefined),
      10_000,
      "the workers' heartbeats counting the 4 waiting chunks skipped",
    );
    assert.ok(
      cluster.workers.some((w) =>
        w.output().includes(`coordinator ${dead} is gone: stopped its chunks here`),
      ),
    );
    // Nothing left: no chunk of it in the queue or the workers' lists, no key of it, no reply, and no
    // job kept for it on the workers.
    await pollUntil(
      async () => ((await jobsKept()) === 0 ? true : undefined),
      20_000,
      "the workers dropping the dead coordinator's job",
    );
    assert.deepEqual(await queuedChunks(admin), { active: [], wait: [] });
    assert.deepEqual(
      (await admin.keys("*")).filter((key) => key.includes(dead)),
      [],
    );
    await traffic.caughtUp();
    assert.deepEqual(traffic.log.added.filter((id) => id.startsWith(`${dead}-`)).sort(), orphans);
    assert.deepEqual(
      [...traffic.log.completed.keys()].filter((id) => id.startsWith(`${dead}-`)),
      [],
      "none answered",
    );
    t.diagnostic(`left in Redis: ${(await admin.keys("weft:*")).sort().join(", ")}`);
  },
);

test(
  "a coordinator judged gone that comes back: its chunks run and are answered again",
  { timeout: 60_000 },
  async () => {
    await using cluster = await startCluster(1, workerSettings);
    await using admin = await adminClient(cluster.redis.url);
    const coordinator = "test-coordinator-that-comes-back";
    const square = { kind: "module", url: "weft-cluster:tasks.square", index: 0, name: "square" };
    const chunk = (id: string) => ({
      id,
      coordinator,
      ...chunkMessage(square, { coordinator, input: { kind: "items", items: [3] } }),
    });
    // The collected numbers, as a worker packs them (a Float64Array), or the reply itself if it did not run.
    const ran = (reply: unknown) => {
      const partial = (reply as { outcome?: { partial?: { numbers?: Float64Array } } }).outcome?.partial;
      return partial?.numbers ? [...partial.numbers] : reply;
    };
    assert.deepEqual(ran(await sendChunk(admin, chunk("first"))), [9]);
    // Gone once sendChunk has returned (no heartbeat, no subscription): the worker, which kept its job, says so.
    const worker = cluster.workers[0]!;
    await within(
      waitForOutput(worker, new RegExp(`coordinator ${coordinator} is gone`)),
      20_000,
      "the verdict",
    );
    // Back, with the same id: its next chunk runs and is answered.
    assert.deepEqual(ran(await sendChunk(admin, chunk("second"), 20_000)), [9]);
  },
);

/** A worker's id, from the line it prints when it starts. */
function workerIdOf(output: string): string {
  const id = /^weft worker (\S+)$/m.exec(output)?.[1];
  if (!id) throw new Error(`no worker id in:\n${output}`);
  return id;
}
