// Jobs that outlive the server, on threads: `weft serve` SIGKILLed halfway through a task job and a
// workload job, with a third job queued behind them, and started again on the same SQLite job store,
// which holds the ledgers of their settled chunks. Both running jobs go on from those chunks and end
// with the sequential answer; the queued one runs; what was redone is the chunks in flight at the kill.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { checkLeaks } from "../support/leaks.ts";
import {
  describeRestart,
  killWithBothPartDone,
  ledgersInSqlite,
  restartMidJob,
  workloadOnItsOwnPool,
} from "../support/restart-scenario.ts";
import type { ServeProcess } from "../support/serve-process.ts";
import { tracedModule } from "../support/traces.ts";

checkLeaks();

/** Threads of the server's shared pool, which runs the task job. */
const workers = 2;

test(
  "weft serve SIGKILLed mid-job: after a restart its running jobs go on from their ledgers to the sequential answer, and its queued job runs",
  { timeout: 240_000 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "weft-restart-"));
    const traces = join(dir, "traces");
    mkdirSync(traces);
    const db = join(dir, "jobs.db");
    const servers: ServeProcess[] = [];
    try {
      const outcome = await restartMidJob({
        serveArgs: ["--db", db, "--workers", String(workers), "--tasks", tracedModule],
        serveEnv: { WEFT_TRACE_DIR: traces },
        traces,
        workloadOptions: workloadOnItsOwnPool,
        kills: killWithBothPartDone,
        ledgers: () => Promise.resolve(ledgersInSqlite(db)),
        started: (server) => servers.push(server),
      });
      for (const line of describeRestart(outcome)) t.diagnostic(line);
      for (const job of [outcome.task, outcome.workload]) {
        assert.ok(
          job.heldAtKill >= job.reportedAtKill,
          `${job.job.label}: the ledger holds every chunk the job had reported done (${job.heldAtKill} < ${job.reportedAtKill})`,
        );
      }
      // The restart ran exactly what the ledger lacked (the answers would count the rest twice), and
      // what the kill cost is the chunks in flight then: at most two a worker thread, since the pool
      // keeps two out on each (the one running, and one that ran while the first one's result was on
      // its way to the ledger), as the cluster's restart test counts them.
      assert.equal(outcome.task.heldRanAgain, 0, "items the ledger held ran again after the restart");
      assert.equal(outcome.task.lackedNotRun, 0, "items the ledger lacked did not run after the restart");
      assert.equal(outcome.task.lackedRunTwice, 0, "items the ledger lacked ran twice after the restart");
      assert.ok(
        outcome.task.redoneChunks <= 2 * workers,
        `${outcome.task.redoneChunks} chunks were redone, more than the ${2 * workers} the kill could cut`,
      );
    } finally {
      await Promise.all(servers.map((server) => server.kill()));
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
