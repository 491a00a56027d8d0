// Cluster faults with real processes: `weft worker` processes SIGKILLed or stopped mid-job, the
// coordinator's connections cut. Each runs the same job on a cluster of its own (fault-run.ts) and
// ends with the sequential answer, every item counted once; Redis itself going away is in
// redis-outages.test.ts.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Progress } from "../../src/index.ts";
import { checkLeaks } from "../support/leaks.ts";
import { faultJob, runThroughFault, sendsByChunk, type Fault } from "./fault-run.ts";
import { chunkIdParts, exited, killHoldingChunks, pollUntil, queuedChunks, within } from "./helpers.ts";

checkLeaks();

const faults: Fault[] = [
  {
    name: "a worker SIGKILLed mid-chunk: exactly the chunks it held run again, nothing counts twice",
    async during({ t, cluster, admin, traffic, job, atFirstChunk }) {
      const victim = cluster.workers[0]!;
      const held = await atFirstChunk(() => killHoldingChunks(admin, victim));
      const killedAt = Date.now();
      assert.equal(victim.child.signalCode, "SIGKILL");
      await job.catch(() => {});
      t.diagnostic(`the job ended ${Date.now() - killedAt} ms after the kill`);
      return async () => {
        await traffic.caughtUp();
        const again = [...sendsByChunk(traffic.log)].filter(([, ids]) => ids.length > 1).map(([seq]) => seq);
        assert.deepEqual(
          again.sort((a, b) => a - b),
          held.map((id) => chunkIdParts(id).seq).sort((a, b) => a - b),
          "run again: the killed worker's chunks only",
        );
      };
    },
  },
  {
    name: "every worker gone: the job waits with its chunks in the queue, and a new worker finishes it",
    async during({ t, cluster, admin, traffic, pool, seen, job }) {
      let settled = false;
      job.then(
        () => (settled = true),
        () => (settled = true),
      );
      await new Promise((resolve) => pool.events.once("chunk", resolve));
      await Promise.all(cluster.workers.map((w) => w.kill()));
      // Nothing can run now. Results published before the kills still arrive: once the pool has
      // recorded each one, nothing more can come.
      await traffic.caughtUp();
      const published = traffic.log.completed.size;
      await pollUntil(
        () => Promise.resolve(seen.chunks.length === published ? true : undefined),
        20_000,
        `the pool recording the ${published} results published before the kills`,
      );
      // And the coordinator has given up on the dead workers: it took its chunks off their lists and
      // sent them again, so a live worker would take them now. Every slot's chunk waits in the queue.
      await pollUntil(
        async () => {
          const { active, wait } = await queuedChunks(admin);
          return active.length === 0 && wait.length === pool.workers ? true : undefined;
        },
        20_000,
        `one chunk per slot (${pool.workers}) in the queue, none held by the dead workers`,
      );

      assert.equal(settled, false, "the job waits for workers instead of settling");
      await traffic.caughtUp();
      assert.equal(traffic.log.completed.size, published, "no chunk ended after every worker had died");
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
      // Its control connection, the blocking read of its replies, its presence subscription.
      assert.equal(poolClients.length, 3, `the coordinator holds ${poolClients.length} connections`);
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
      // The workers' and the coordinator's, reconnected.
      assert.ok(normal > 0 && pubsub > 0, `${normal} normal and ${pubsub} pubsub connections cut`);
      await job.catch(() => {});
      return undefined;
    },
  },
  {
    name: "SIGTERM on a busy worker: it finishes its chunks, says stopped, exits 0; none is sent again",
    async during({ t, cluster, traffic, atFirstChunk }) {
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
        // Every command up to the job's last result has been read: a second sending would be among them.
        await traffic.caughtUp();
        const again = [...sendsByChunk(traffic.log)].filter(([, ids]) => ids.length > 1);
        assert.deepEqual(again, [], "the stopping worker finished its chunks: none was sent again");
      };
    },
  },
];

describe("cluster faults", () => {
  for (const fault of faults) test(fault.name, { timeout: 90_000 }, (t) => runThroughFault(t, fault));
});
