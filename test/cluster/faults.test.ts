// Cluster faults with real processes: `weft worker` processes SIGKILLed or stopped mid-job, the
// coordinator's connections cut. Each runs the same job on a cluster of its own (fault-run.ts) and
// ends with the sequential answer, every item counted once; Redis itself going away is in
// redis-outages.test.ts.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Redis } from "ioredis";
import type { Progress } from "../../src/index.ts";
import { checkLeaks } from "../support/leaks.ts";
import { faultJob, runThroughFault, sendsByChunk, type Fault } from "./fault-run.ts";
import { bullIdParts, bullJobsIn, exited, heldBy, pollUntil, within } from "./helpers.ts";

checkLeaks();

/** The completed chunk events in BullMQ's stream now: every result a worker has published. */
async function completionsIn(admin: Redis): Promise<number> {
  const entries = await admin.xrange("weft:chunks:events", "-", "+");
  return entries.filter(([, fields]) => fields[0] === "event" && fields[1] === "completed").length;
}

const faults: Fault[] = [
  {
    name: "a worker SIGKILLed mid-chunk (lease 1 s): exactly the chunks it held run again, nothing counts twice",
    async during({ t, cluster, admin, bull, job, atFirstChunk }) {
      const victim = cluster.workers[0]!;
      await atFirstChunk(() => victim.kill());
      const killedAt = Date.now();
      assert.equal(victim.child.signalCode, "SIGKILL");
      // Read at once: its leases are renewed every half lease (500 ms), so none has run out yet.
      const held = await heldBy(admin, victim);
      assert.notDeepEqual(held, [], "the worker was running chunks when it was killed");
      await job.catch(() => {});
      t.diagnostic(`the job ended ${Date.now() - killedAt} ms after the kill (lease 1000 ms)`);
      return async () => {
        await bull.caughtUp();
        // With so short a lease, BullMQ may redeliver a chunk (its stalled check) before its
        // coordinator, seeing the worker gone, sends it again: either way, only the dead worker's.
        const again = new Set([
          ...bull.log.stalled.map((id) => bullIdParts(id).seq),
          ...[...sendsByChunk(bull.log)].filter(([, ids]) => ids.length > 1).map(([seq]) => seq),
        ]);
        assert.deepEqual(
          [...again].sort((a, b) => a - b),
          held.map((id) => bullIdParts(id).seq).sort((a, b) => a - b),
          "run again: the killed worker's chunks only",
        );
      };
    },
  },
  {
    name: "every worker gone: the job waits with its chunks in the queue, and a new worker finishes it",
    async during({ t, cluster, admin, pool, seen, job }) {
      let settled = false;
      job.then(
        () => (settled = true),
        () => (settled = true),
      );
      await new Promise((resolve) => pool.events.once("chunk", resolve));
      await Promise.all(cluster.workers.map((w) => w.kill()));
      // Nothing can run now. Results published before the kills still arrive: once the pool has
      // recorded each one, nothing more can come.
      const published = await completionsIn(admin);
      await pollUntil(
        () => Promise.resolve(seen.chunks.length === published ? true : undefined),
        20_000,
        `the pool recording the ${published} results published before the kills`,
      );
      // And the cluster has given up on the dead workers: their leases have run out, so a live
      // worker would take their chunks now. Every slot's chunk waits in BullMQ.
      await pollUntil(
        async () => ((await admin.keys("weft:chunks:*:lock")).length === 0 ? true : undefined),
        20_000,
        "the dead workers' leases running out",
      );
      const inQueue = async () =>
        (await bullJobsIn(admin, "active")).length + (await bullJobsIn(admin, "wait")).length;
      await pollUntil(
        async () => ((await inQueue()) === pool.workers ? true : undefined),
        20_000,
        `one chunk per slot (${pool.workers}) in BullMQ`,
      );

      assert.equal(settled, false, "the job waits for workers instead of settling");
      assert.equal(await completionsIn(admin), published, "no chunk ended after every worker had died");
      assert.equal(seen.chunks.length, published);
      assert.equal(seen.done, seen.itemsCounted);
      assert.ok(seen.done < faultJob.items, `work was left when the workers died: ${seen.done} done`);

      const addedAt = Date.now();
      await cluster.addWorker();
      await job.catch(() => {});
      t.diagnostic(`the new worker finished the job ${Date.now() - addedAt} ms after it was started`);
      return undefined;
    },
  },
  {
    name: "connections cut mid-job, the coordinator's alone then everyone's: ioredis reconnects, the answer is exact",
    async during({ t, admin, pool, poolClients, job, atFirstChunk }) {
      // Its queue, its event reader and the blocking duplicate BullMQ makes of it, its control connection.
      assert.equal(poolClients.length, 4, `the coordinator holds ${poolClients.length} connections`);
      const kill = (...args: string[]) => (admin.client("KILL", ...args) as Promise<number>).catch(() => 0);
      const coordinatorCut = atFirstChunk(() =>
        Promise.all(poolClients.map((id) => kill("ID", id))).then((killed) =>
          killed.reduce((a, b) => a + b, 0),
        ),
      );
      const everyoneCut = new Promise<[number, number]>((resolve) => {
        const onProgress = (p: Progress) => {
          if (p.done < faultJob.items / 2) return;
          pool.events.off("progress", onProgress);
          resolve(Promise.all([kill("TYPE", "normal"), kill("TYPE", "pubsub")]));
        };
        pool.events.on("progress", onProgress);
      });
      const [coordinator, [normal, pubsub]] = await Promise.all([coordinatorCut, everyoneCut]);
      t.diagnostic(
        `connections killed: the coordinator's ${coordinator}, then ${normal} normal and ${pubsub} pubsub`,
      );
      assert.equal(coordinator, poolClients.length, "every connection of the coordinator was cut");
      // The workers' (two each, and a subscriber) and the coordinator's, reconnected.
      assert.ok(normal > 0 && pubsub > 0, `${normal} normal and ${pubsub} pubsub connections cut`);
      await job.catch(() => {});
      return undefined;
    },
  },
  {
    name: "SIGTERM on a busy worker: it finishes its chunks, says stopped, exits 0; none is redelivered",
    async during({ t, cluster, bull, atFirstChunk }) {
      const leaving = cluster.workers[0]!;
      const sentAt = await atFirstChunk(() => {
        leaving.child.kill("SIGTERM");
        return Date.now();
      });
      const exit = await within(exited(leaving.child), 20_000, "the worker exiting after SIGTERM");
      t.diagnostic(`the worker exited ${Date.now() - sentAt} ms after SIGTERM`);
      assert.deepEqual(exit, { code: 0, signal: null }, leaving.output());
      assert.match(leaving.output(), /SIGTERM: finishing the running chunks, then stopping/);
      assert.match(leaving.output(), /^stopped$/m);
      return async () => {
        // Every event up to the job's last result has been read: a redelivery would be among them.
        await bull.caughtUp();
        assert.deepEqual(
          bull.log.stalled,
          [],
          "the stopping worker finished its chunks: none was redelivered",
        );
      };
    },
  },
];

describe("cluster faults", () => {
  for (const fault of faults) test(fault.name, { timeout: 90_000 }, (t) => runThroughFault(t, fault));
});
