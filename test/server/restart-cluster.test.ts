// Jobs that outlive the server, on a cluster: `weft serve --redis` with `weft worker`s, SIGKILLed
// halfway through a task job and a workload job with a third queued behind them, and started again on
// the same job store and Redis. The ledgers of the settled chunks live in Redis: both running jobs go
// on from them to the sequential answer, the queued one runs, and what was redone is the chunks in
// flight at the kill.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { adminClient } from "../cluster/helpers.ts";
import { startCluster } from "../support/cluster.ts";
import { checkLeaks } from "../support/leaks.ts";
import { describeRestart, partDone, restartMidJob, type HeldChunk } from "../support/restart-scenario.ts";
import type { ServeProcess } from "../support/serve-process.ts";
import { tracedModule } from "../support/traces.ts";

checkLeaks();

const builtInTasks = fileURLToPath(new URL("../../src/workloads/tasks.ts", import.meta.url));
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
      // The workers serve the traced task, and weft's own (primes' test, the sum's add).
      await using cluster = await startCluster(workerThreads, {
        threads: 1,
        modules: [tracedModule, builtInTasks],
        env: { WEFT_TRACE_DIR: traces },
      });
      await using admin = await adminClient(cluster.redis.url);
      /** A ledger is a hash in Redis, `weft:ledgers:<job id>`, one field `done:<start>:<count>` per settled chunk. */
      const ledgers = async () => {
        const held = new Map<string, HeldChunk[]>();
        for (const key of await admin.keys("weft:ledgers:*")) {
          const chunks = (await admin.hkeys(key))
            .filter((field) => field.startsWith("done:"))
            .map((field) => {
              const [start, count] = field.split(":").slice(1).map(Number) as [number, number];
              return { start, count };
            });
          held.set(key.slice("weft:ledgers:".length), chunks);
        }
        return held;
      };
      const outcome = await restartMidJob({
        serveArgs: ["--db", join(dir, "jobs.db"), "--redis", cluster.redis.authUrl, "--tasks", tracedModule],
        traces,
        // The cluster's pool gives its chunks to the oldest job first: the workload starts once the
        // task job's last chunks are out. So two kills: the task job part done (the workload running,
        // its ledger claimed), then the workload part done.
        kills: [
          { when: ({ task }) => partDone(task), what: "the task job part done" },
          {
            when: ({ task, workload }) => task.state === "completed" && partDone(workload),
            what: "the task job done and the workload part done",
          },
        ],
        ledgers,
        started: (server) => servers.push(server),
      });
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
      assert.equal(
        outcome.task.notRunOnce,
        0,
        "items the ledger lacked ran other than once after the restart",
      );
      // A coordinator has two chunks out for each thread of the cluster (src/backends/redis).
      assert.ok(
        outcome.task.redoneChunks <= 2 * workerThreads,
        `${outcome.task.redoneChunks} chunks were redone, more than the ${2 * workerThreads} the coordinator has out at once`,
      );
      for (const line of describeRestart(outcome)) t.diagnostic(line);
    } finally {
      await Promise.all(servers.map((server) => server.kill()));
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
