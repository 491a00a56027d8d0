// Jobs that outlive the server, on threads: `weft serve` SIGKILLed halfway through a task job and a
// workload job, with a third job queued behind them, and started again on the same SQLite job store,
// which holds the ledgers of their settled chunks. Both running jobs go on from those chunks and end
// with the sequential answer; the queued one runs; what was redone is the chunks in flight at the kill.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { test } from "node:test";
import { checkLeaks } from "../support/leaks.ts";
import { describeRestart, partDone, restartMidJob, type HeldChunk } from "../support/restart-scenario.ts";
import type { ServeProcess } from "../support/serve-process.ts";
import { tracedModule } from "../support/traces.ts";

checkLeaks();

/** Threads of the server's shared pool, which runs the task job. */
const workers = 2;

/** The chunks each job's ledger holds in the store. */
function ledgers(db: string): Map<string, HeldChunk[]> {
  const store = new DatabaseSync(db, { readOnly: true });
  try {
    const rows = store.prepare("SELECT ledger, start, count FROM ledger_entries").all() as {
      ledger: string;
      start: number;
      count: number;
    }[];
    const held = new Map<string, HeldChunk[]>();
    for (const { ledger, start, count } of rows) {
      const chunks = held.get(ledger) ?? [];
      chunks.push({ start, count });
      held.set(ledger, chunks);
    }
    return held;
  } finally {
    store.close();
  }
}

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
        // On a pool of its own (one worker): the shared pool runs its jobs' chunks first come, first
        // served, so the two jobs would otherwise run one after the other, and never both be part done.
        workloadOptions: { workers: 1 },
        kills: [
          { when: ({ task, workload }) => partDone(task) && partDone(workload), what: "both jobs part done" },
        ],
        ledgers: () => Promise.resolve(ledgers(db)),
        started: (server) => servers.push(server),
      });
      for (const job of [outcome.task, outcome.workload]) {
        assert.ok(
          job.heldAtKill >= job.reportedAtKill,
          `${job.job.label}: the ledger holds every chunk the job had reported done (${job.heldAtKill} < ${job.reportedAtKill})`,
        );
      }
      // The restart ran exactly what the ledger lacked (the answers would count the rest twice), and
      // what the kill cost is the chunks in flight then: at most one a worker thread.
      assert.equal(outcome.task.heldRanAgain, 0, "items the ledger held ran again after the restart");
      assert.equal(
        outcome.task.notRunOnce,
        0,
        "items the ledger lacked ran other than once after the restart",
      );
      assert.ok(
        outcome.task.redoneChunks <= workers,
        `${outcome.task.redoneChunks} chunks were redone, more than the ${workers} the kill could cut`,
      );
      for (const line of describeRestart(outcome)) t.diagnostic(line);
    } finally {
      await Promise.all(servers.map((server) => server.kill()));
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
