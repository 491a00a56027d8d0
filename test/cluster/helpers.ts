// What the cluster tests share: workers that also serve the slow fixture, the exact answers they
// compare against, and ways to wait on events (a worker's output, a process's exit) instead of sleeping.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { closeRedis } from "../../src/backends/redis/connection.ts";
import { weft } from "../../src/index.ts";
import { add, square } from "../fixtures/tasks.ts";
import { fixtureModules, type ClusterWorkerProcess, type WorkerSettings } from "../support/cluster.ts";

const bin = fileURLToPath(new URL("../../bin/weft.js", import.meta.url));

/** The slow fixture, served by every worker these tests start. */
export const slowModule = fileURLToPath(new URL("fixtures/slow-tasks.ts", import.meta.url));

/** Two threads, a one-second lease, the conformance fixtures and the slow one. */
export const workerSettings: WorkerSettings = {
  threads: 2,
  leaseMs: 1000,
  modules: [...fixtureModules, slowModule],
};

/** Σ i² for i in [0, n), computed by the sequential backend: the answer every cluster run must give. */
export async function sequentialSumOfSquares(n: number): Promise<number> {
  await using pool = await weft({ backend: "sequential" });
  return await pool.range(0, n).map(square).reduce(add);
}

/** Resolves once `worker` has printed a line matching `pattern` (stdout or stderr); with that line. */
export function waitForOutput(worker: ClusterWorkerProcess, pattern: RegExp): Promise<string> {
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

/** Resolves with the exit code and signal once the child has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}

/** Runs `weft <args>` to its end; rejects if it runs longer than `timeoutMs`. */
export function runWeft(
  args: readonly string[],
  timeoutMs = 20_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"] });
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

/**
 * BullMQ's own view of the cluster's queue: a Queue to write chunks into it and QueueEvents that read
 * its event stream from the start (so no event is missed between connecting and the first read).
 * Both run on connections of ours, closed by `await using` once their sockets are: BullMQ's own close
 * resolves on QUIT's reply, a moment before the socket closes.
 */
export async function bullQueue(
  port: number,
): Promise<{ queue: Queue; events: QueueEvents } & AsyncDisposable> {
  const connect = () => {
    const client = new Redis({ host: "127.0.0.1", port, maxRetriesPerRequest: null });
    client.on("error", () => {});
    return client;
  };
  const [forQueue, forEvents] = [connect(), connect()];
  const queue = new Queue("chunks", { connection: forQueue, prefix: "weft" });
  const events = new QueueEvents("chunks", { connection: forEvents, prefix: "weft", lastEventId: "0" });
  events.on("error", () => {});
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
  return { queue, events, [Symbol.asyncDispose]: close };
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
