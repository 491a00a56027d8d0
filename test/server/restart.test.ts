// Jobs that outlive the server: `weft serve` SIGKILLed halfway through a task job and a workload job,
// with a third job queued behind them, and started again on the same job store. Both running jobs
// go on from the chunks their ledgers hold and end with the sequential answer; the queued one runs.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { test } from "node:test";
import { createClient, type WeftClient } from "../../src/client/index.ts";
import { weft } from "../../src/index.ts";
import type { JobDefinition, JobView } from "../../src/server/api/types.ts";
import { primes } from "../../src/workloads/primes.ts";
import { add } from "../fixtures/tasks.ts";
import { slowSquare } from "../cluster/fixtures/slow-tasks.ts";
import { exited, pollUntil, slowModule, weftBin } from "../cluster/helpers.ts";
import { checkLeaks } from "../support/leaks.ts";

checkLeaks();

/** About 1 ms an item: a few seconds on the server's two workers, beside the workload. */
const taskItems = 4000;
const taskJob: JobDefinition = {
  type: "task",
  task: "slow-tasks.slowSquare",
  reduce: "sum",
  input: { range: { from: 0, to: taskItems } },
};
const workloadSize = 20_000_000;
/**
 * On a pool of its own (one worker): the shared pool runs its jobs' chunks first come, first served,
 * so the two jobs would otherwise run one after the other, and never both be part done.
 */
const workloadJob: JobDefinition = {
  type: "workload",
  workload: "primes",
  size: workloadSize,
  options: { workers: 1 },
};
/** Submitted while the two above run (the service runs two at once by default): it waits, queued. */
const queuedJob: JobDefinition = {
  type: "task",
  task: "slow-tasks.slowSquare",
  reduce: "count",
  input: { range: { from: 0, to: 200 } },
};

interface Serving {
  readonly child: ChildProcess;
  readonly client: WeftClient;
  /** What it printed at its start, both streams. */
  readonly output: () => string;
}

/** `weft serve` on a free port, on the job store `db`, with two workers and the slow tasks. */
async function startServe(db: string): Promise<Serving> {
  const child = spawn(
    process.execPath,
    [weftBin, "serve", "--port", "0", "--db", db, "--workers", "2", "--tasks", slowModule],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout.on("data", (data: Buffer) => (output += data.toString()));
  child.stderr.on("data", (data: Buffer) => (output += data.toString()));
  try {
    const url = await pollUntil(
      () => Promise.resolve(/API at (http:\/\/\S+)/.exec(output)?.[1]),
      30_000,
      "the server starting",
    );
    return { child, client: createClient({ url }), output: () => output };
  } catch (error) {
    await stop(child);
    throw new Error(`${(error as Error).message}; it printed:\n${output}`, { cause: error });
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await exited(child);
}

/** Items each job's ledger holds in the store, and the largest chunk among them. */
function ledgers(db: string): Map<string, { done: number; largestChunk: number }> {
  const store = new DatabaseSync(db);
  try {
    const rows = store
      .prepare("SELECT ledger, SUM(count) AS done, MAX(count) AS largest FROM ledger_entries GROUP BY ledger")
      .all() as { ledger: string; done: number; largest: number }[];
    return new Map(rows.map((row) => [row.ledger, { done: row.done, largestChunk: row.largest }]));
  } finally {
    store.close();
  }
}

test(
  "weft serve SIGKILLed mid-job: after a restart its running jobs go on from their ledgers to the sequential answer, and its queued job runs",
  { timeout: 180_000 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "weft-restart-"));
    const db = join(dir, "jobs.db");
    const children: ChildProcess[] = [];
    try {
      const first = await startServe(db);
      children.push(first.child);
      const task = await first.client.submit(taskJob);
      const workload = await first.client.submit(workloadJob);
      const queued = await first.client.submit(queuedJob);
      assert.equal(queued.state, "queued");

      // Both running, and each with a part of its items done: then the kill, without warning.
      const partDone = (job: JobView) =>
        job.state === "running" &&
        job.progress.total !== undefined &&
        job.progress.done >= 0.2 * job.progress.total;
      const before = await pollUntil(
        async () => {
          const jobs = await Promise.all([task, workload].map((job) => first.client.job(job.id)));
          for (const job of jobs) {
            assert.ok(
              ["queued", "running"].includes(job.state),
              `job ${job.label} is ${job.state} before the kill`,
            );
          }
          return jobs.every(partDone) ? jobs : undefined;
        },
        60_000,
        "both jobs part done",
      );
      first.child.kill("SIGKILL");
      assert.equal((await exited(first.child)).signal, "SIGKILL");

      const held = ledgers(db);
      const sizes = new Map([
        [task.id, taskItems],
        [workload.id, primes.items(workloadSize)],
      ]);
      for (const [index, job] of [task, workload].entries()) {
        const kept = held.get(job.id);
        assert.ok(kept, `the ledger of job ${job.label} is in the store`);
        assert.ok(
          kept.done >= before[index]!.progress.done,
          `the ledger holds every chunk the job had reported done (${kept.done} < ${before[index]!.progress.done})`,
        );
      }

      const second = await startServe(db);
      children.push(second.child);
      await pollUntil(
        () =>
          Promise.resolve(
            /2 running jobs resumed from their settled chunks, 1 queued jobs queued again/.test(
              second.output(),
            ) || undefined,
          ),
        10_000,
        "the server saying which jobs it took over",
      );
      const ended = await Promise.all(
        [task, workload, queued].map((job) =>
          second.client.waitFor(job.id, { signal: AbortSignal.timeout(90_000) }),
        ),
      );
      for (const job of ended) assert.equal(job.state, "completed", `${job.label}: ${job.error}`);

      // The sequential answers, on the sequential backend.
      await using sequential = await weft({ backend: "sequential" });
      const expectedSum = await sequential.range(0, taskItems).map(slowSquare).reduce(add);
      const expectedPrimes = await primes.parallel(sequential, workloadSize);
      assert.deepEqual(ended[0]!.summary, { value: expectedSum });
      assert.deepEqual(ended[1]!.summary, { value: expectedPrimes });
      assert.deepEqual(ended[2]!.summary, { value: 200 });

      // What the restart ran: only the items the ledgers did not hold (the answers above would count
      // the others twice). What was lost to the kill is the chunks in flight then, at most one a worker.
      for (const job of [task, workload]) {
        const size = sizes.get(job.id)!;
        const { done, largestChunk } = held.get(job.id)!;
        const workers = job === workload ? 1 : 2;
        t.diagnostic(
          `${job.label}: the ledger held ${done} of ${size} items (${((100 * done) / size).toFixed(1)} %) at the kill; ` +
            `the restart ran the other ${size - done}; redone: the chunks in flight at the kill, ` +
            `at most ${workers} x ${largestChunk} items (${((100 * workers * largestChunk) / size).toFixed(1)} % of the job)`,
        );
      }
    } finally {
      await Promise.all(children.map(stop));
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
