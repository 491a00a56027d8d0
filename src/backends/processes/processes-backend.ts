// Child-process backend: one process per worker, for isolation (native addons that are not
// thread-safe, code that calls process.exit, separate heaps). Same protocol as threads, over IPC.
import { fork, type ChildProcess } from "node:child_process";
import { serialize } from "node:v8";
import type { FromWorker, ToWorker } from "../../protocol/worker-messages.ts";
import type { WorkerChannel, WorkerLimits } from "../pooled/channel.ts";
import { PooledBackend } from "../pooled/pooled-backend.ts";

const runningFromSource = import.meta.url.endsWith(".ts");
const entry = new URL(runningFromSource ? "./child.ts" : "./child.js", import.meta.url);

let liveProcesses = 0;

/** Processes started by any processes backend and not yet exited; tests check it returns to zero. */
export function liveProcessCount(): number {
  return liveProcesses;
}

function processChannel(limits: WorkerLimits): WorkerChannel {
  // Resolved here: a bare "tsx" would be looked up from the working directory, which may have none.
  const execArgv = runningFromSource ? ["--import", import.meta.resolve("tsx")] : [];
  if (limits.maxHeapMb !== undefined) execArgv.push(`--max-old-space-size=${limits.maxHeapMb}`);
  if (limits.semiSpaceMb !== undefined) execArgv.push(`--max-semi-space-size=${limits.semiSpaceMb}`);
  // Structured clone over IPC ("advanced"), so the same values travel as between threads.
  // stderr is passed through, and its tail kept: a process that dies (out of memory, a native
  // crash) says why there, and the crash error should say it too.
  const child: ChildProcess = fork(entry, [], {
    serialization: "advanced",
    execArgv,
    stdio: ["ignore", "inherit", "pipe", "ipc"],
  });
  // The last line that names an error, kept as lines arrive: a fixed-size tail would lose it behind
  // the native stack trace Node prints after "FATAL ERROR".
  const namesError = (line: string) => /FATAL ERROR|\w*Error: /.test(line);
  let partialLine = "";
  let errorLine = "";
  child.stderr?.on("data", (data: Buffer) => {
    process.stderr.write(data);
    const lines = (partialLine + data.toString()).split("\n");
    partialLine = lines.pop()!.slice(-2000);
    errorLine = lines.findLast(namesError)?.trim() ?? errorLine;
  });
  const lastError = () => {
    const line = namesError(partialLine) ? partialLine.trim() : errorLine;
    return line ? ` (${line})` : "";
  };
  liveProcesses++;
  const exited = new Promise<void>((resolve) =>
    // "close", not "exit": only then are the IPC pipe and process handles released.
    child.once("close", () => {
      liveProcesses--;
      resolve();
    }),
  );
  // A process drops IPC messages that arrive before it listens, so hold them until it says it is ready.
  let ready = false;
  const early: ToWorker[] = [];
  child.on("message", (message: { type: string }) => {
    if (message.type !== "ready") return;
    ready = true;
    for (const held of early.splice(0)) child.send(held);
  });
  return {
    send(message: ToWorker) {
      if (ready) return void child.send(message);
      serialize(message); // throws now, as a send would, if the message cannot be cloned
      early.push(message);
    },
    onMessage: (listener: (message: FromWorker) => void) =>
      void child.on("message", (message: FromWorker | { type: "ready" }) => {
        if (message.type !== "ready") listener(message);
      }),
    onOnline: (listener) =>
      void child.on("message", (message: { type: string }) => {
        if (message.type === "ready") listener();
      }),
    onError: (listener) => void child.on("error", listener),
    onExit: (listener) =>
      void child.once("exit", (code, signal) => {
        const report = () =>
          listener(`${signal ? `was killed by ${signal}` : `exited with code ${code}`}${lastError()}`);
        // At exit, stderr may still hold the crash's last words ("heap out of memory"): read them
        // first, but not for long, since a process the task started may keep the pipe open.
        const stderr = child.stderr;
        if (!stderr || stderr.readableEnded) return report();
        const waiting = setTimeout(report, 250);
        stderr.once("end", () => {
          clearTimeout(waiting);
          report();
        });
      }),
    terminate: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}

/** Starts `count` worker processes. */
export function startProcessesBackend(workers: number, limits: WorkerLimits): Promise<PooledBackend> {
  const settings = {
    name: "processes",
    sharesMemory: false,
    // One call at a time through a 1-worker pool (serialized over the IPC pipe both ways).
    chunkTripMs: 0.1,
    workers,
    maxTasksPerWorker: limits.maxTasksPerWorker,
  };
  return PooledBackend.start(settings, () => processChannel(limits));
}
