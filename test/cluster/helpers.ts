// What the cluster tests share: workers that also serve the slow and gate fixtures, the exact answers
// they compare against, and ways to wait on events (a worker's output, a process's exit, an event in
// BullMQ's stream, a condition in Redis) instead of sleeping.
import { spawn, type ChildProcess } from "node:child_process";
import type { EventEmitter } from "node:events";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { closeRedis } from "../../src/backends/redis/connection.ts";
import { weft } from "../../src/index.ts";
import { add, square } from "../fixtures/tasks.ts";
import { fixtureModules, type ClusterWorkerProcess, type WorkerSettings } from "../support/cluster.ts";

/** The `weft` command of this checkout. */
export const weftBin = fileURLToPath(new URL("../../bin/weft.js", import.meta.url));

/** The slow and gate fixtures, served by every worker these tests start. */
export const slowModule = fileURLToPath(new URL("fixtures/slow-tasks.ts", import.meta.url));
export const gateModule = fileURLToPath(new URL("fixtures/gate-tasks.ts", import.meta.url));
export const probeModule = fileURLToPath(new URL("fixtures/probe-tasks.ts", import.meta.url));

/** Two threads, a one-second lease, the conformance fixtures, the slow one, the gate and the probes. */
export const workerSettings: WorkerSettings = {
  threads: 2,
  leaseMs: 1000,
  modules: [...fixtureModules, slowModule, gateModule, probeModule],
};

/** The BullMQ queue's own keys; any other `weft:chunks:<id>` key is a job's (or its `:lock`). */
const queueKeys = new Set(
  "active wait waiting-children paused id delayed prioritized stalled-check completed failed stalled repeat limiter meta events pc marker de".split(
    " ",
  ),
);

/** The keys among `keys` (`weft:chunks:*`) that belong to BullMQ jobs rather than to the queue. */
export const jobKeysIn = (keys: readonly string[]) =>
  keys.filter((key) => !queueKeys.has(key.slice("weft:chunks:".length)));

/** What a chunk's BullMQ job id says: `<coordinator id>-<job id>-<chunk seq>-<send number>`. */
export function bullIdParts(bullId: string): { coordinator: string; job: number; seq: number; send: number } {
  const match = /^(.+)-(\d+)-(\d+)-(\d+)$/.exec(bullId);
  if (!match) throw new Error(`not a chunk's BullMQ id: ${bullId}`);
  return { coordinator: match[1]!, job: Number(match[2]), seq: Number(match[3]), send: Number(match[4]) };
}

/**
 * A gate for the gate fixture's `afterGate`: its calls hold until `open()`; `started()` counts the
 * calls that have begun so far. Removed by `using`.
 * @example
 * using gate = closedGate();
 * const job = pool.from([gate.path, gate.path]).map(afterGate).reduce(add); // holds
 * gate.open(); // now it ends, with 2
 */
export function closedGate(): { readonly path: string; open(): void; started(): number } & Disposable {
  const dir = mkdtempSync(join(tmpdir(), "weft-gate-"));
  const path = join(dir, "open");
  const log = `${path}.started`;
  return {
    path,
    open: () => writeFileSync(path, "open"),
    started: () => (existsSync(log) ? readFileSync(log, "utf8").split("\n").length - 1 : 0),
    [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Σ i² for i in [0, n), computed by the sequential backend: the answer every cluster run must give. */
export async function sequentialSumOfSquares(n: number): Promise<number> {
  await using pool = await weft({ backend: "sequential" });
  return await pool.range(0, n).map(square).reduce(add);
}

/** A process of the test's whose output is kept: a `weft worker`, a coordinator's script. */
type Printing = Pick<ClusterWorkerProcess, "child" | "output">;

/** Resolves once `worker` has printed a line matching `pattern` (stdout or stderr); with that line. */
export function waitForOutput(worker: Printing, pattern: RegExp): Promise<string> {
  const found = () =>
    worker
      .output()
      .split("\n")
      .find((line) => pattern.test(line));
  return new Promise((resolve, reject) => {
    const { child } = worker;
    const check = () => {
      const line = found();
      if (line === undefined) return;
      stopListening();
      resolve(line);
    };
    const onExit = () => {
      stopListening();
      const line = found();
      if (line !== undefined) resolve(line);
      else reject(new Error(`the worker exited without printing ${pattern}:\n${worker.output()}`));
    };
    const stopListening = () => {
      child.stdout?.off("data", check);
      child.stderr?.off("data", check);
      child.off("exit", onExit);
    };
    // Listeners added after the harness's own, so output() already holds the new data when they run.
    child.stdout?.on("data", check);
    child.stderr?.on("data", check);
    child.once("exit", onExit);
    check();
  });
}

/** The first line matching `pattern` printed by any of the workers. */
export function waitForAnyOutput(workers: readonly ClusterWorkerProcess[], pattern: RegExp): Promise<string> {
  return Promise.any(workers.map((w) => waitForOutput(w, pattern)));
}

/**
 * A script run by node in a child process of the test (a TypeScript one with `--import tsx`): a
 * coordinator that a test can kill, a command it watches. `await using` ends it with SIGKILL if it
 * still runs.
 */
export function startScript(
  file: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Printing & AsyncDisposable {
  const loader = file.endsWith(".ts") ? ["--import", "tsx"] : [];
  const child = spawn(process.execPath, [...loader, file, ...args], {
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let output = "";
  child.stdout.on("data", (data: Buffer) => (output += data.toString()));
  child.stderr.on("data", (data: Buffer) => (output += data.toString()));
  return {
    child,
    output: () => output,
    async [Symbol.asyncDispose]() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited(child);
    },
  };
}

/** Resolves with the exit code and signal once the child has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}

/**
 * Runs `weft <args>` to its end (with `env` added to the test's environment: a variable set to
 * undefined is left out; `input`, if any, on its standard input, which is closed); rejects if it runs longer than `timeoutMs`.
 */
export function runWeft(
  args: readonly string[],
  timeoutMs = 20_000,
  env: NodeJS.ProcessEnv = {},
  input?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [weftBin, ...args], {
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  child.stdin.end(input);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (data: Buffer) => (stdout += data.toString()));
  child.stderr.on("data", (data: Buffer) => (stderr += data.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`weft ${args.join(" ")} ran longer than ${timeoutMs} ms:\n${stdout}${stderr}`));
    }, timeoutMs);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A loopback port nothing listens on. */
export function unusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === "object" && address
          ? resolve(address.port)
          : reject(new Error("no port was free")),
      );
    });
  });
}

/** `promise`, or a rejection saying what did not happen within `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Resolves with `check()`'s first value other than undefined, asking again every 20 ms: for a state
 * with no event to wait on (a count in Redis, a key that expires). Rejects once `ms` have passed.
 */
export async function pollUntil<T>(
  check: () => Promise<T | undefined>,
  ms: number,
  what: string,
): Promise<T> {
  const giveUp = new AbortController();
  const poll = async () => {
    for (;;) {
      const value = await check();
      if (value !== undefined) return value;
      await delay(20, undefined, { signal: giveUp.signal });
    }
  };
  try {
    return await within(poll(), ms, what);
  } finally {
    giveUp.abort();
  }
}

/** An admin connection to the test's Redis, closed by `await using`. */
export async function adminClient(url: string): Promise<Redis & AsyncDisposable> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (error) {
    // A failed connect leaves ioredis retrying for ever, which would keep the test process alive.
    await closeRedis(client);
    throw error;
  }
  return Object.assign(client, { [Symbol.asyncDispose]: () => closeRedis(client) });
}

/** The ids of the connections open on the admin's Redis, without those on their way out (QUIT sent). */
export async function clientIds(admin: Redis): Promise<Set<string>> {
  return new Set(
    ((await admin.client("LIST")) as string)
      .split("\n")
      .filter((line) => !/ cmd=quit /.test(line))
      .flatMap((line) => /^id=(\d+) /.exec(line)?.[1] ?? []),
  );
}

/** The ids of the BullMQ jobs in the queue's `state` list, sorted. */
export async function bullJobsIn(admin: Redis, state: "active" | "wait"): Promise<string[]> {
  return (await admin.lrange(`weft:chunks:${state}`, 0, -1)).sort();
}

/** The chunks running and the chunks waiting in the cluster's queue now. */
export async function queuedChunks(admin: Redis): Promise<{ active: string[]; wait: string[] }> {
  return { active: await bullJobsIn(admin, "active"), wait: await bullJobsIn(admin, "wait") };
}

/** Waits until exactly `running` chunks run their task (through the gate) and `waiting` wait in the queue. */
export function chunksInFlight(
  admin: Redis,
  gate: { started(): number },
  running: number,
  waiting: number,
): Promise<{ active: string[]; wait: string[] }> {
  return pollUntil(
    async () => {
      const now = await queuedChunks(admin);
      const held = now.active.length === running && now.wait.length === waiting;
      return held && gate.started() === running ? now : undefined;
    },
    20_000,
    `${running} chunk(s) running their task and ${waiting} waiting`,
  );
}

/** The BullMQ jobs a worker process was running: active, under its name (`<host>-<pid>-...`). */
export async function heldBy(admin: Redis, worker: ClusterWorkerProcess): Promise<string[]> {
  const name = workerIdPrefix(worker);
  const active = await bullJobsIn(admin, "active");
  const runners = await Promise.all(active.map((id) => admin.hget(`weft:chunks:${id}`, "pb")));
  return active.filter((_, i) => runners[i]?.startsWith(name));
}

/** How a worker process's id starts: `<host>-<pid>-`. */
export const workerIdPrefix = (worker: ClusterWorkerProcess) => `${hostname()}-${worker.child.pid}-`;

/** What BullMQ's event stream has said so far, in the order it said it. */
export interface BullLog {
  /** Job ids, as each was added. */
  readonly added: string[];
  /** Return values of completed jobs, by id. */
  readonly completed: Map<string, unknown>;
  /** Failure reasons, by id. */
  readonly failed: Map<string, string>;
  /** Ids of jobs removed before they finished (a cancelled job's chunks still waiting). */
  readonly removed: Set<string>;
  /** Ids of jobs a worker took (moved to active), in the order it did, with repeats. */
  readonly active: string[];
  /** Progress reported by workers, by job id, in order. */
  readonly progress: Map<string, unknown[]>;
  /** Ids of jobs that BullMQ found stalled (their worker stopped renewing their lease) and redelivered. */
  readonly stalled: string[];
}

export interface BullView extends AsyncDisposable {
  readonly queue: Queue;
  readonly events: QueueEvents;
  readonly log: BullLog;
  /** Resolves once every event in the stream now has been read: whatever happened before it is in `log`. */
  caughtUp(): Promise<void>;
  /** Resolves once `condition` holds, checked after each event read; rejects after `ms`. */
  until(condition: (log: BullLog) => boolean, ms: number, what: string): Promise<void>;
}

/**
 * BullMQ's own view of the cluster's queue: a Queue to write chunks into it and QueueEvents that read
 * its event stream from the start (so no event is missed between connecting and the first read), with
 * a log of the events read. Both run on connections of ours, closed by `await using` once their sockets
 * are: BullMQ's own close resolves on QUIT's reply, a moment before the socket closes.
 */
export async function bullQueue(port: number): Promise<BullView> {
  const connect = () => {
    const client = new Redis({ host: "127.0.0.1", port, maxRetriesPerRequest: null });
    client.on("error", () => {});
    return client;
  };
  const [forQueue, forEvents] = [connect(), connect()];
  const queue = new Queue("chunks", { connection: forQueue, prefix: "weft" });
  const events = new QueueEvents("chunks", { connection: forEvents, prefix: "weft", lastEventId: "0" });
  // A Redis that restarts is part of these tests; BullMQ would print every failed reconnect.
  queue.on("error", () => {});
  events.on("error", () => {});
  const log: BullLog = {
    added: [],
    completed: new Map(),
    failed: new Map(),
    removed: new Set(),
    active: [],
    progress: new Map(),
    stalled: [],
  };
  const waiters = new Set<() => void>();
  const changed = () => {
    for (const waiter of [...waiters]) waiter();
  };
  events.on("added", ({ jobId }) => log.added.push(jobId));
  events.on("completed", ({ jobId, returnvalue }) => log.completed.set(jobId, returnvalue));
  events.on("failed", ({ jobId, failedReason }) => log.failed.set(jobId, failedReason));
  events.on("stalled", ({ jobId }) => log.stalled.push(jobId));
  events.on("removed", ({ jobId }) => log.removed.add(jobId));
  events.on("active", ({ jobId }) => log.active.push(jobId));
  events.on("progress", ({ jobId, data }) =>
    log.progress.set(jobId, [...(log.progress.get(jobId) ?? []), data]),
  );
  for (const name of ["added", "completed", "failed", "stalled", "removed", "active", "progress"] as const)
    events.on(name, changed);
  const until = (condition: (log: BullLog) => boolean, ms: number, what: string) => {
    let waiter: (() => void) | undefined;
    const met = new Promise<void>((resolve) => {
      waiter = () => {
        if (!condition(log)) return;
        waiters.delete(waiter!);
        resolve();
      };
      waiters.add(waiter);
      waiter();
    });
    return within(met, ms, what).finally(() => waiters.delete(waiter!));
  };
  let markers = 0;
  const caughtUp = async () => {
    // A marker of ours at the stream's end: once it has been read, so has everything before it.
    // Other readers of the stream (a coordinator) see an event they do not know, and pass it by.
    const marker = `test-marker-${markers++}`;
    let read = false;
    const emitter = events as unknown as EventEmitter;
    const onMarker = ({ jobId }: { jobId: string }) => {
      read ||= jobId === marker;
      changed();
    };
    emitter.on("caught-up", onMarker);
    try {
      await forQueue.xadd("weft:chunks:events", "*", "event", "caught-up", "jobId", marker);
      await until(() => read, 30_000, "reading BullMQ's event stream up to now");
    } finally {
      emitter.off("caught-up", onMarker);
    }
  };
  const close = async () => {
    await Promise.all([queue.close(), events.close()]);
    await Promise.all([closeRedis(forQueue), closeRedis(forEvents)]);
  };
  try {
    await events.waitUntilReady();
  } catch (error) {
    await close();
    throw error;
  }
  return { queue, events, log, caughtUp, until, [Symbol.asyncDispose]: close };
}

/**
 * How BullMQ job `id` ends: its return value, or a rejection with its failure reason. Listened for
 * before the job is added, since a job removed on completion cannot be asked about afterwards.
 */
export function finished(events: QueueEvents, id: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const done = ({ jobId, returnvalue }: { jobId: string; returnvalue: unknown }) => {
      if (jobId !== id) return;
      stop();
      resolve(returnvalue);
    };
    const failed = ({ jobId, failedReason }: { jobId: string; failedReason: string }) => {
      if (jobId !== id) return;
      stop();
      reject(new Error(failedReason));
    };
    const stop = () => {
      events.off("completed", done);
      events.off("failed", failed);
    };
    events.on("completed", done);
    events.on("failed", failed);
  });
}
