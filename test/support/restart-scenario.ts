// Jobs that outlive the server, as an operator would see it: `weft serve` SIGKILLed while a task job
// and a workload job are part done, with a third job queued behind them, then started again on the
// same job store (and, on a cluster, the same Redis), once for each kill the caller gives. The
// restart tests (threads, cluster) and the server bench (the work redone after a restart) run this
// one scenario and read what it found. The task job runs the traced task, so which items ran, and
// how many times, is known exactly.
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";
import { weft } from "../../src/index.ts";
import type { JobView, SubmissionOptions } from "../../src/server/api/types.ts";
import { primes } from "../../src/workloads/primes.ts";
import { exited, pollUntil, sequentialSumOfSquares } from "../cluster/helpers.ts";
import type { WorkerSettings } from "./cluster.ts";
import { startServe, type ServeProcess } from "./serve-process.ts";
import { settledTraces, traced, tracedModule } from "./traces.ts";

/** About 40 µs an item (tracedSquare): seconds of work on two threads, beside the workload. */
export const taskItems = 200_000;
export const workloadSize = 20_000_000;
/** The queued job's items: the first of the task job's. */
const queuedItems = 200;
/** The share of a job's items done that makes it part done. */
const killAt = 0.2;

/** A settled chunk as a ledger keeps it: the input items it covered. */
export interface HeldChunk {
  readonly start: number;
  readonly count: number;
}

/** The three jobs as the server shows them just before a kill. */
export interface JobsAtKill {
  readonly task: JobView;
  readonly workload: JobView;
  readonly queued: JobView;
}

/** A kill of the server: once `when` holds of its jobs (`what` says so in a timeout's message). */
export interface Kill {
  readonly when: (jobs: JobsAtKill) => boolean;
  readonly what: string;
}

/** Whether `job` is running with a part of its items done. */
const partDone = (job: JobView) =>
  job.state === "running" &&
  job.progress.total !== undefined &&
  job.progress.done >= killAt * job.progress.total;

/**
 * On threads, the workload on a pool of its own (see `workloadOnItsOwnPool`) runs beside the task
 * job: one kill, both part done.
 */
export const killWithBothPartDone: readonly Kill[] = [
  { when: ({ task, workload }) => partDone(task) && partDone(workload), what: "both jobs part done" },
];

/**
 * A cluster's pool gives its chunks to the oldest job first, so the workload starts once the task
 * job's last chunks are out: two kills, the task job part done (the workload running, its ledger
 * claimed), then the workload part done.
 */
export const killEachPartDone: readonly Kill[] = [
  { when: ({ task }) => partDone(task), what: "the task job part done" },
  {
    when: ({ task, workload }) => task.state === "completed" && partDone(workload),
    what: "the task job done and the workload part done",
  },
];

/**
 * The workload job's options on threads: a pool of its own (one worker). The shared pool runs its
 * jobs' chunks first come, first served, so the two jobs would otherwise run one after the other.
 */
export const workloadOnItsOwnPool: SubmissionOptions = { workers: 1 };

const builtInTasks = fileURLToPath(new URL("../../src/workloads/tasks.ts", import.meta.url));

/**
 * The `weft worker`s of a cluster the scenario runs on: one thread each, serving the traced task
 * (tracing into `traces`) and weft's own tasks (primes' test, the sum's add).
 */
export const restartWorkers = (traces: string): WorkerSettings => ({
  threads: 1,
  modules: [tracedModule, builtInTasks],
  env: { WEFT_TRACE_DIR: traces },
});

/** The chunks each job's ledger holds in the SQLite job store at `db` (store/ledgers.ts). */
export function ledgersInSqlite(db: string): Map<string, HeldChunk[]> {
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

/**
 * The chunks each job's ledger holds in a cluster's Redis (backends/redis/ledgers.ts): a hash
 * `weft:ledgers:<job id>`, one field `done:<start>:<count>` per settled chunk.
 */
export async function ledgersInRedis(redis: {
  keys(pattern: string): Promise<string[]>;
  hkeys(key: string): Promise<string[]>;
}): Promise<Map<string, HeldChunk[]>> {
  const held = new Map<string, HeldChunk[]>();
  for (const key of await redis.keys("weft:ledgers:*")) {
    const chunks = (await redis.hkeys(key))
      .filter((field) => field.startsWith("done:"))
      .map((field) => {
        const [start, count] = field.split(":").slice(1).map(Number) as [number, number];
        return { start, count };
      });
    held.set(key.slice("weft:ledgers:".length), chunks);
  }
  return held;
}

export interface RestartSetup {
  /** `weft serve`'s arguments besides `--port`: its store, where jobs run, its task modules (the traced one among them). */
  readonly serveArgs: readonly string[];
  /** Added to the servers' environment (WEFT_TRACE_DIR, when the traced task runs on their threads). */
  readonly serveEnv?: NodeJS.ProcessEnv;
  /** The folder the traced task writes its traces to, wherever it runs. */
  readonly traces: string;
  /** The workload job's options: on threads, {@link workloadOnItsOwnPool}. */
  readonly workloadOptions?: SubmissionOptions;
  /** The kills, in order ({@link killWithBothPartDone} or {@link killEachPartDone}); the server is started again after each. */
  readonly kills: readonly Kill[];
  /** The chunks each job's ledger holds, by job id, read while no server runs. */
  ledgers(): Promise<Map<string, readonly HeldChunk[]>>;
  /** Each server once started, to be stopped by the caller's cleanup whatever happens. */
  started(server: ServeProcess): void;
}

/** One running job through the last kill it was running at, and the restart after it. */
export interface JobThroughRestart {
  readonly job: JobView;
  /** Its input items. */
  readonly items: number;
  /** Which kill (0 for the first). */
  readonly kill: number;
  /** Items it had reported done just before the kill. */
  readonly reportedAtKill: number;
  /** Items its ledger held after the kill, and in how many chunks. */
  readonly heldAtKill: number;
  readonly heldChunks: number;
  readonly largestChunk: number;
}

export interface RestartOutcome {
  readonly task: JobThroughRestart & {
    /** Items run before the kill whose results the ledger did not hold: run again after the restart. */
    readonly redone: number;
    /** The runs of contiguous redone items: each a chunk in flight at the kill. */
    readonly redoneChunks: number;
    /** Items the ledger held that ran again after the restart: none, if the ledger was used. */
    readonly heldRanAgain: number;
    /** Items the ledger did not hold that did not run after the restart: none, or the answer lacks them. */
    readonly lackedNotRun: number;
    /**
     * Items the ledger did not hold that ran more than once after the restart: none, unless a chunk
     * ran twice for another reason (a worker whose lease lapsed under load, its chunk run again).
     */
    readonly lackedRunTwice: number;
  };
  readonly workload: JobThroughRestart;
  readonly queued: JobView;
  /** From the last server's start to its last job's end. */
  readonly restartToEndMs: number;
}

/** What a kill left: the jobs as they were, what their ledgers held, and what the traced task had run. */
interface KillRecord {
  readonly jobs: JobsAtKill;
  readonly held: Map<string, readonly HeldChunk[]>;
  readonly ran: number[];
}

const tracedTask = "traced-tasks.tracedSquare";
const unfinished = new Set(["queued", "running"]);

/** Runs the scenario; throws if a job does not end with its sequential answer. */
export async function restartMidJob(setup: RestartSetup): Promise<RestartOutcome> {
  const serve = async () => {
    const server = await startServe(setup.serveArgs, setup.serveEnv);
    setup.started(server);
    return server;
  };
  let server = await serve();
  const task = await server.client.submit({
    type: "task",
    task: tracedTask,
    reduce: "sum",
    input: { range: { from: 0, to: taskItems } },
  });
  const workload = await server.client.submit({
    type: "workload",
    workload: "primes",
    size: workloadSize,
    ...(setup.workloadOptions && { options: setup.workloadOptions }),
  });
  // Submitted while the two others run (the service runs two at once by default), it waits. Its
  // items are the task job's first 200 again: the accounting below counts them as its own.
  const queued = await server.client.submit({
    type: "task",
    task: tracedTask,
    reduce: "count",
    input: { range: { from: 0, to: queuedItems } },
  });
  assert.equal(queued.state, "queued", "the third job waits behind the two running");

  const kills: KillRecord[] = [];
  let restartedAt = 0;
  for (const kill of setup.kills) {
    const current = server;
    const jobs = await pollUntil(
      async () => {
        const [t, w, q] = await Promise.all(
          [task, workload, queued].map((job) => current.client.job(job.id)),
        );
        for (const job of [t!, w!, q!]) {
          assert.ok(job.state !== "failed" && job.state !== "interrupted", `${job.label}: ${job.error}`);
        }
        const at = { task: t!, workload: w!, queued: q! };
        return kill.when(at) ? at : undefined;
      },
      120_000,
      kill.what,
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; the server printed:\n${current.output()}`, {
        cause: error,
      });
    });
    // Then the kill, without warning.
    current.child.kill("SIGKILL");
    assert.equal((await exited(current.child)).signal, "SIGKILL");
    // Workers of a cluster finish or drop the dead server's chunks a moment later; threads died with it.
    await settledTraces(setup.traces);
    kills.push({ jobs, held: await setup.ledgers(), ran: traced(setup.traces, taskItems) });

    restartedAt = performance.now();
    server = await serve();
    await tookOver(server, Object.values(jobs));
  }
  const last = server;
  const ended = await Promise.all(
    [task, workload, queued].map((job) =>
      last.client.waitFor(job.id, { signal: AbortSignal.timeout(120_000) }),
    ),
  );
  const restartToEndMs = performance.now() - restartedAt;
  for (const job of ended) assert.equal(job.state, "completed", `${job.label}: ${job.error}`);
  const ranAfter = traced(setup.traces, taskItems);

  // The sequential answers: a chunk counted twice, or one lost, would change them.
  await using sequential = await weft({ backend: "sequential" });
  assert.deepEqual(ended[0]!.summary, { value: await sequentialSumOfSquares(taskItems) });
  assert.deepEqual(ended[1]!.summary, { value: await primes.parallel(sequential, workloadSize) });
  assert.deepEqual(ended[2]!.summary, { value: queuedItems });

  const through = (which: "task" | "workload", items: number): JobThroughRestart => {
    const kill = kills.findLastIndex(({ jobs }) => jobs[which].state === "running");
    assert.ok(kill >= 0, `the ${which} job was running at a kill`);
    const { id, label, progress } = kills[kill]!.jobs[which];
    const chunks = kills[kill]!.held.get(id);
    assert.ok(chunks, `the ledger of job ${label} outlived the server`);
    return {
      job: ended[which === "task" ? 0 : 1]!,
      items,
      kill,
      reportedAtKill: progress.done,
      heldAtKill: chunks.reduce((sum, chunk) => sum + chunk.count, 0),
      heldChunks: chunks.length,
      largestChunk: Math.max(0, ...chunks.map((chunk) => chunk.count)),
    };
  };
  const taskThrough = through("task", taskItems);
  const atTaskKill = kills[taskThrough.kill]!;
  return {
    task: { ...taskThrough, ...accountFor(atTaskKill.held.get(task.id)!, atTaskKill.ran, ranAfter) },
    workload: through("workload", primes.items(workloadSize)),
    queued: ended[2]!,
    restartToEndMs,
  };
}

/**
 * Waits for `server` to say which jobs it took over: every job left `unfinished` at the kill (one
 * queued then may have started since the look), those running among them resumed.
 */
async function tookOver(server: ServeProcess, left: readonly JobView[]): Promise<void> {
  const said = await pollUntil(
    () =>
      Promise.resolve(
        /(\d+) running jobs resumed from their settled chunks, (\d+) queued jobs queued again/.exec(
          server.output(),
        ) ?? undefined,
      ),
    10_000,
    "the server saying which jobs it took over",
  );
  const [resumed, requeued] = [Number(said[1]), Number(said[2])];
  assert.equal(resumed + requeued, left.filter((job) => unfinished.has(job.state)).length, said[0]);
  assert.ok(resumed >= left.filter((job) => job.state === "running").length, said[0]);
}

/**
 * What the traces say of the task job: the items run before the kill that the ledger lacked (run
 * again after it), and whether the restart ran exactly what the ledger lacked. The queued job's
 * items (0 to 199) ran once more after the restart, as its own.
 */
function accountFor(held: readonly HeldChunk[], before: readonly number[], after: readonly number[]) {
  const inLedger = new Uint8Array(taskItems);
  for (const { start, count } of held) inLedger.fill(1, start, start + count);
  let redone = 0;
  let redoneChunks = 0;
  let heldRanAgain = 0;
  let lackedNotRun = 0;
  let lackedRunTwice = 0;
  for (let n = 0; n < taskItems; n++) {
    const ranNow = after[n]! - before[n]! - (n < queuedItems ? 1 : 0);
    if (inLedger[n]) {
      if (ranNow !== 0) heldRanAgain++;
      continue;
    }
    if (ranNow === 0) lackedNotRun++;
    if (ranNow > 1) lackedRunTwice++;
    if (before[n]! > 0) {
      redone++;
      if (n === 0 || inLedger[n - 1] || before[n - 1] === 0) redoneChunks++;
    }
  }
  return { redone, redoneChunks, heldRanAgain, lackedNotRun, lackedRunTwice };
}

/** What the restart redid and ran, a line for each job, for a test's diagnostics or a bench's log. */
export function describeRestart(outcome: RestartOutcome): string[] {
  const percent = (part: number, whole: number) => `${((100 * part) / whole).toFixed(2)} %`;
  const held = (job: JobThroughRestart) =>
    `${job.job.label}: the ledger held ${job.heldAtKill} of ${job.items} items (${percent(job.heldAtKill, job.items)}) ` +
    `in ${job.heldChunks} chunks at kill ${job.kill + 1}, ${job.reportedAtKill} reported done; the restart ran the other ${job.items - job.heldAtKill}`;
  const { task, workload } = outcome;
  return [
    `${held(task)}; redone: ${task.redone} items (${percent(task.redone, task.items)}), ` +
      `the ${task.redoneChunks} chunks in flight at the kill`,
    `${held(workload)}; redone: at most the chunks in flight at the kill`,
    `from the restart to the last job's end: ${(outcome.restartToEndMs / 1000).toFixed(1)} s`,
  ];
}
