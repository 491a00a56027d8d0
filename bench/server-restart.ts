// The work `weft serve` redoes after a restart, for `npm run bench:server -- --replicas`: the restart
// tests' scenario (test/support/restart-scenario.ts), SIGKILLing the server with a task job and a
// workload job part done and starting it again, on threads (the ledgers in the job store's SQLite)
// and on a cluster of two `weft worker`s (the ledgers in Redis). The task job's items are traced, so
// the work redone is counted exactly: the items run before the kill whose results the ledger lacked.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminClient } from "../test/cluster/helpers.ts";
import { startCluster } from "../test/support/cluster.ts";
import {
  describeRestart,
  killEachPartDone,
  killWithBothPartDone,
  ledgersInRedis,
  ledgersInSqlite,
  restartMidJob,
  restartWorkers,
  workloadOnItsOwnPool,
  type RestartOutcome,
  type RestartSetup,
} from "../test/support/restart-scenario.ts";
import type { ServeProcess } from "../test/support/serve-process.ts";
import { tracedModule } from "../test/support/traces.ts";
import type { RestartFigures } from "./server-report.ts";

/** Threads of the server's pool, and worker processes (of one thread each) of the cluster. */
const threads = 2;

/** The restart on threads, then on a cluster. */
export async function benchRestarts(log: (line: string) => void): Promise<RestartFigures[]> {
  const figures: RestartFigures[] = [];
  for (const backend of ["threads", "cluster"] as const) {
    const outcome = await inScratch((dir, traces, setup) =>
      backend === "threads" ? onThreads(dir, traces, setup) : onCluster(dir, traces, setup),
    );
    for (const line of describeRestart(outcome)) log(`restart on ${backend}: ${line}`);
    const { task, workload } = outcome;
    figures.push({
      backend,
      ledgers: backend === "threads" ? "the job store's SQLite file" : "Redis",
      threads,
      kills: backend === "threads" ? killWithBothPartDone.length : killEachPartDone.length,
      task: {
        label: task.job.label,
        items: task.items,
        heldAtKill: task.heldAtKill,
        redone: task.redone,
        redoneChunks: task.redoneChunks,
      },
      workload: { label: workload.job.label, items: workload.items, heldAtKill: workload.heldAtKill },
      restartToEndMs: outcome.restartToEndMs,
    });
  }
  return figures;
}

type Common = Pick<RestartSetup, "traces" | "started">;

function onThreads(dir: string, traces: string, common: Common): Promise<RestartOutcome> {
  const db = join(dir, "jobs.db");
  return restartMidJob({
    ...common,
    serveArgs: ["--db", db, "--workers", String(threads), "--tasks", tracedModule],
    serveEnv: { WEFT_TRACE_DIR: traces },
    workloadOptions: workloadOnItsOwnPool,
    kills: killWithBothPartDone,
    ledgers: () => Promise.resolve(ledgersInSqlite(db)),
  });
}

async function onCluster(dir: string, traces: string, common: Common): Promise<RestartOutcome> {
  await using cluster = await startCluster(threads, restartWorkers(traces));
  await using admin = await adminClient(cluster.redis.url);
  return await restartMidJob({
    ...common,
    serveArgs: ["--db", join(dir, "jobs.db"), "--redis", cluster.redis.authUrl, "--tasks", tracedModule],
    kills: killEachPartDone,
    ledgers: () => ledgersInRedis(admin),
  });
}

/** `run` in a scratch folder with a traces folder in it; the servers it starts are killed, the folder removed. */
async function inScratch(
  run: (dir: string, traces: string, common: Common) => Promise<RestartOutcome>,
): Promise<RestartOutcome> {
  const dir = mkdtempSync(join(tmpdir(), "weft-restart-bench-"));
  const traces = join(dir, "traces");
  mkdirSync(traces);
  const servers: ServeProcess[] = [];
  try {
    return await run(dir, traces, { traces, started: (server) => servers.push(server) });
  } finally {
    await Promise.all(servers.map((server) => server.kill()));
    rmSync(dir, { recursive: true, force: true });
  }
}
