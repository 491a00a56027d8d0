// What the cluster tests share: workers that also serve the slow and gate fixtures, the exact answers
// they compare against, and ways to wait on events (a worker's output, a process's exit, a command
// Redis ran, a condition in Redis) instead of sleeping.
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { deserialize, serialize } from "node:v8";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { closeRedis } from "../../src/backends/redis/connection.ts";
import { encodeQueued, idOf } from "../../src/backends/redis/queue-entries.ts";
import { weft } from "../../src/index.ts";
import { add, square } from "../fixtures/tasks.ts";
import { fixtureModules, type ClusterWorkerProcess, type WorkerSettings } from "../support/cluster.ts";

/** The `weft` command of this checkout. */
export const weftBin = fileURLToPath(new URL("../../bin/weft.js", import.meta.url));

/** The slow and gate fixtures, served by every worker these tests start. */
export const slowModule = fileURLToPath(new URL("fixtures/slow-tasks.ts", import.meta.url));
export const gateModule = fileURLToPath(new URL("fixtures/gate-tasks.ts", import.meta.url));
export const probeModule = fileURLToPath(new URL("fixtures/probe-tasks.ts", import.meta.url));

/** Two threads, the conformance fixtures, the slow one, the gate and the probes. */
export const workerSettings: WorkerSettings = {
  threads: 2,
  modules: [...fixtureModules, slowModule, gateModule, probeModule],
};

/** What a chunk's id says: `<coordinator id>-<job id>-<chunk seq>-<send number>`. */
export function chunkIdParts(chunkId: string): {
  coordinator: string;
  job: number;
  seq: number;
  send: number;
} {
  const match = /^(.+)-(\d+)-(\d+)-(\d+)$/.exec(chunkId);
  if (!match) throw new Error(`not a chunk id: ${chunkId}`);
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

/** The ids of the chunks in a list of entries (the queue, a worker's taken list), sorted. */
async function idsIn(admin: Redis, key: string): Promise<string[]> {
  return (await admin.lrange(key, 0, -1)).map(idOf).sort();
}

/** The ids of the chunks a worker has taken and not answered (`<host>-<pid>-...`, or its process). */
export async function heldBy(admin: Redis, worker: ClusterWorkerProcess | string): Promise<string[]> {
  const id = typeof worker === "string" ? worker : await workerIdOf(admin, worker);
  return id === undefined ? [] : idsIn(admin, `weft:workers:${id}:taken`);
}

/**
 * SIGKILLs the worker at a moment it holds chunks, and returns those chunks. It is frozen (SIGSTOP)
 * while its list is read, so the list cannot change before the kill; a worker caught between chunks
 * (on a loaded machine, or still loading a task) is woken and looked at again 20 ms later.
 */
export function killHoldingChunks(admin: Redis, worker: ClusterWorkerProcess): Promise<string[]> {
  return pollUntil(
    async () => {
      worker.child.kill("SIGSTOP");
      let held: string[] = [];
      try {
        held = await heldBy(admin, worker);
      } finally {
        // Woken unless it is to die: a worker left frozen would never exit on the cluster's SIGTERM.
        if (held.length === 0) worker.child.kill("SIGCONT");
      }
      if (held.length === 0) return undefined;
      await worker.kill();
      return held;
    },
    20_000,
    "the worker holding a chunk",
  );
}

/** The id a worker process announced in the cluster's set of workers, if it did. */
async function workerIdOf(admin: Redis, worker: ClusterWorkerProcess): Promise<string | undefined> {
  const prefix = workerIdPrefix(worker);
  return (await admin.smembers("weft:workers")).find((id) => id.startsWith(prefix));
}

/** The chunks the workers have taken (`active`) and the chunks waiting in the cluster's queue now. */
export async function queuedChunks(admin: Redis): Promise<{ active: string[]; wait: string[] }> {
  const taken = await admin.keys("weft:workers:*:taken");
  const active = (await Promise.all(taken.map((key) => idsIn(admin, key)))).flat().sort();
  return { active, wait: await idsIn(admin, "weft:chunks:wait") };
}

/** Waits until no chunk is left in the queue or in any worker's list; rejects after `ms`, saying `what`. */
export function noChunksLeft(admin: Redis, ms: number, what: string): Promise<true> {
  return pollUntil(
    async () => {
      const { active, wait } = await queuedChunks(admin);
      return active.length + wait.length === 0 ? true : undefined;
    },
    ms,
    what,
  );
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

/** How a worker process's id starts: `<host>-<pid>-`. */
export const workerIdPrefix = (worker: ClusterWorkerProcess) => `${hostname()}-${worker.child.pid}-`;

/** What the coordinators and workers have told each other through Redis so far, in order. */
export interface ClusterLog {
  /** Chunk ids, as each was pushed onto the queue. */
  readonly added: string[];
  /** Replies, by chunk id: the encoded reply (wire.ts). */
  readonly completed: Map<string, string>;
  /** The chunks a worker said it started (those whose coordinator asked to hear it). */
  readonly started: Set<string>;
  /** The worker that answered each chunk (it took the chunk off its list as it replied). */
  readonly answeredBy: Map<string, string>;
  /** Ids of chunks a coordinator tried to take back off the queue (cancelled, or its pool closed). */
  readonly withdrawn: Set<string>;
}

export interface ClusterView extends AsyncDisposable {
  readonly log: ClusterLog;
  /** Resolves once every command Redis has run until now is in `log`. */
  caughtUp(): Promise<void>;
  /** Resolves once `condition` holds, checked after each command seen; rejects after `ms`. */
  until(condition: (log: ClusterLog) => boolean, ms: number, what: string): Promise<void>;
}

/**
 * The cluster's traffic as Redis runs it (MONITOR, on a connection of the test's own, which ioredis
 * puts back in monitor mode after a reconnection): pushes onto the queue, replies, the taken lists'
 * removals. MONITOR shows a value's newlines as the two characters `\n`.
 */
export async function watchCluster(port: number): Promise<ClusterView> {
  const client = new Redis({ host: "127.0.0.1", port, maxRetriesPerRequest: null });
  client.on("error", () => {});
  const log: ClusterLog = {
    added: [],
    completed: new Map(),
    started: new Set(),
    answeredBy: new Map(),
    withdrawn: new Set(),
  };
  const waiters = new Set<() => void>();
  const markers = new Set<string>();
  const fields = (value: string) => value.split("\\n");
  let monitor: Redis;
  try {
    monitor = await client.monitor();
  } catch (error) {
    await closeRedis(client);
    throw error;
  }
  monitor.on("error", () => {});
  monitor.on("monitor", (_time: string, args: string[]) => {
    const [command, key, ...rest] = args.map(String);
    const name = command?.toLowerCase();
    if (name === "echo" && key?.startsWith("test-marker-")) markers.add(key);
    else if (name === "lpush" && key === "weft:chunks:wait") {
      for (const entry of rest) log.added.push(fields(entry)[0]!);
    } else if (name === "lrem" && key === "weft:chunks:wait") log.withdrawn.add(fields(rest[1] ?? "")[0]!);
    else if (name === "lrem" && key?.endsWith(":taken")) {
      const worker = /^weft:workers:(.+):taken$/.exec(key)?.[1];
      if (worker) log.answeredBy.set(fields(rest[1] ?? "")[0]!, worker);
    } else if (name === "rpush" && /^weft:coordinators:.+:replies$/.test(key ?? "")) {
      for (const entry of rest) {
        const [id, kind, reply] = fields(entry);
        if (kind === "started") log.started.add(id!);
        else if (kind === "reply") log.completed.set(id!, reply!);
      }
    }
    for (const waiter of [...waiters]) waiter();
  });
  const until = (condition: (log: ClusterLog) => boolean, ms: number, what: string) => {
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
  let count = 0;
  const caughtUp = async () => {
    // A command of ours: once MONITOR has shown it, it has shown everything Redis ran before it.
    const marker = `test-marker-${count++}`;
    await client.echo(marker);
    await until(() => markers.has(marker), 30_000, "reading Redis's commands up to now");
  };
  const close = async () => {
    monitor.disconnect();
    await closeRedis(client);
  };
  return { log, caughtUp, until, [Symbol.asyncDispose]: close };
}

/** V8-serialized and base64-encoded, as a chunk's spec and payload travel. */
export const base64V8 = (value: unknown): string => serialize(value).toString("base64");

/**
 * A chunk's message as a coordinator writes it, for {@link sendChunk}: `task` as its one map stage,
 * over `input`, with `extra` fields set in its spec or its chunk.
 */
export function chunkMessage(
  task: object,
  {
    input = { kind: "items", items: [2] },
    terminal = { op: "collect" },
    coordinator = "written-by-the-test",
    extra = {},
  }: {
    input?: object;
    terminal?: object;
    coordinator?: string;
    extra?: { spec?: object; chunk?: object };
  } = {},
): { spec: string; payload: string } {
  return {
    spec: base64V8({ id: 0, stages: [{ op: "map", task }], terminal, ...extra.spec }),
    payload: base64V8({
      version: 2,
      coordinator,
      chunk: { jobId: 0, seq: 0, start: 0, input, ...extra.chunk },
    }),
  };
}

/**
 * Pushes a chunk onto the cluster's queue as a coordinator would (`spec` and `payload` encoded as
 * wire.ts does, or not, to see them refused) and resolves with the worker's reply, decoded. The
 * coordinator is present meanwhile (its heartbeat key, its presence channel) as a live one is, and
 * gone after. Unless `coordinator` is given, it is a new one each time, as a real one's id is: a
 * worker answers no coordinator it judged gone.
 */
export async function sendChunk(
  admin: Redis,
  chunk: { id: string; spec: string; payload: string; coordinator?: string },
  ms = 30_000,
): Promise<unknown> {
  const [reader, presence] = [admin.duplicate(), admin.duplicate()];
  for (const client of [reader, presence]) client.on("error", () => {});
  const coordinator = chunk.coordinator ?? `test-coordinator-${randomUUID()}`;
  const replies = `weft:coordinators:${coordinator}:replies`;
  try {
    await presence.subscribe(`weft:presence:${coordinator}`);
    await admin.set(`weft:coordinators:${coordinator}`, "{}", "PX", ms);
    const message = { spec: chunk.spec, payload: chunk.payload };
    const entry = encodeQueued({ id: chunk.id, coordinator, reportStart: false, message });
    await admin.lpush("weft:chunks:wait", entry);
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const popped = await reader.blpop(replies, 1);
      const [id, kind, reply] = popped?.[1].split("\n") ?? [];
      if (id === chunk.id && kind === "reply") return deserialize(Buffer.from(reply!, "base64"));
    }
    throw new Error(`no reply to chunk ${chunk.id} within ${ms} ms`);
  } finally {
    await admin.del(`weft:coordinators:${coordinator}`);
    await Promise.all([closeRedis(reader), closeRedis(presence)]);
  }
}
