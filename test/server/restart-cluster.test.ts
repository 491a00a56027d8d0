// Jobs that outlive the server, on a cluster: `weft serve --redis` with `weft worker`s, SIGKILLed
// with a task job part done (a workload job running behind it, a third job queued), started again on
// the same job store and Redis, and SIGKILLed again with the workload part done. The ledgers of the
// settled chunks live in Redis: both jobs go on from them to the sequential answer, the queued one
// runs, and what was redone is the chunks in flight at the kill.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { adminClient } from "../cluster/helpers.ts";
import { startCluster } from "../support/cluster.ts";
import { checkLeaks } from "../support/leaks.ts";
import {
  describeRestart,
  killEachPartDone,
  ledgersInRedis,
  restartMidJob,
  restartWorkers,
} from "../support/restart-scenario.ts";
import type { ServeProcess } from "../support/serve-process.ts";
import { tracedModule } from "../support/traces.ts";

checkLeaks();

/** Worker processes, of one thread each: the chunks that can be running at once. */
const workerThreads = 2;

test(
  "weft serve on a cluster SIGKILLed mid-job: after a restart its running jobs go on from their ledgers in Redis to the sequential answer, and its queued job runs",
  { timeout: 240_000 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "weft-restart-cluster-"));
    const traces = join(dir, "traces");
    mkdirSync(traces);
    const servers: ServeProcess[] = [];
    try {
      await using cluster = await startCluster(workerThreads, restartWorkers(traces));
      await using admin = await adminClient(cluster.redis.url);
      const outcome = await restartMidJob({
        serveArgs: ["--db", join(dir, "jobs.db"), "--redis", cluster.redis.authUrl, "--tasks", tracedModule],
        traces,
        kills: killEachPartDone,
        ledgers: () => ledgersInRedis(admin),
        started: (server) => servers.push(server),
      });
      for (const line of describeRestart(outcome)) t.diagnostic(line);
      for (const job of [outcome.task, outcome.workload]) {
        assert.ok(
          job.heldAtKill >= job.reportedAtKill,
          `${job.job.label}: the ledger holds every chunk the job had reported done (${job.heldAtKill} < ${job.reportedAtKill})`,
        );
      }
      assert.deepEqual(await admin.keys("weft:ledgers:*"), [], "the ledgers go once the jobs are done");
      // The restart ran exactly what the ledgers lacked, and what the kill cost is the chunks in flight
      // then: running on a worker's thread, or done with their results not yet in the ledger.
      assert.equal(outcome.task.heldRanAgain, 0, "items the ledger held ran again after the restart");
      assert.equal(outcome.task.lackedNotRun, 0, "items the ledger lacked did not run after the restart");
      assert.equal(outcome.task.lackedRunTwice, 0, "items the ledger lacked ran twice after the restart");
      // A coordinator has two chunks out for each thread of the cluster (src/backends/redis).
      assert.ok(
        outcome.task.redoneChunks <= 2 * workerThreads,
        `${outcome.task.redoneChunks} chunks were redone, more than the ${2 * workerThreads} the coordinator has out at once`,
      );
    } finally {
      await Promise.all(servers.map((server) => server.kill()));
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
