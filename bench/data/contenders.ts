// The contenders of `npm run bench:data` as run.ts drives them: each a process of its own that stays
// up for one file size and runs one workload at a time on request, so they can take turns (the runs
// interleaved) while each stays warm. Node contenders are contender.ts, forked; Dask is dask_bag.py.
import { fork, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { ContenderReply, ContenderRequest, ContenderSpec, RunSample } from "./contender.ts";
import type { Files, WorkloadName } from "./workloads.ts";

export interface Contender {
  readonly name: string;
  /** One run of `workload`, on `files` instead of the contender's own when given (a warm-up). */
  run(workload: WorkloadName, files?: Files): Promise<RunSample>;
  close(): Promise<void>;
}

/** What dask_bag.py says when it is ready. */
export interface DaskInfo {
  readonly dask: string;
  readonly python: string;
  readonly scheduler: string;
  readonly workers: number;
  readonly blocksize: number;
  readonly partitions: number;
}

const contenderScript = fileURLToPath(new URL("./contender.ts", import.meta.url));
const daskScript = fileURLToPath(new URL("./dask_bag.py", import.meta.url));
/** Resolved here, as the processes backend does: a bare "tsx" would be looked up from the working directory. */
export const tsxLoader = import.meta.resolve("tsx");

/** Replies in the order requests were sent; a process that exits fails what it still owed. */
class Replies {
  readonly #waiting: { resolve: (reply: unknown) => void; reject: (error: Error) => void }[] = [];
  #ended: Error | undefined;

  constructor(private readonly name: string) {}

  next<T>(): Promise<T> {
    if (this.#ended) return Promise.reject(this.#ended);
    return new Promise<T>((resolve, reject) =>
      this.#waiting.push({ resolve: resolve as (reply: unknown) => void, reject }),
    );
  }

  deliver(reply: unknown): void {
    this.#waiting.shift()?.resolve(reply);
  }

  end(why: string): void {
    this.#ended = new Error(`${this.name} ${why}`);
    for (const waiter of this.#waiting.splice(0)) waiter.reject(this.#ended);
  }
}

function sample(name: string, reply: ContenderReply): RunSample {
  if ("error" in reply) throw new Error(`${name} failed: ${reply.error}`);
  if ("ready" in reply) throw new Error(`${name} said it was ready twice`);
  return reply;
}

/** Waits for a process to exit, ending it after `graceMs`. */
async function ended(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await once(child, "exit");
  clearTimeout(timer);
}

/** A Node contender (the sequential loop or a weft pool) in a process of its own. */
export async function startNodeContender(name: string, spec: ContenderSpec): Promise<Contender> {
  const child = fork(contenderScript, [JSON.stringify(spec)], {
    execArgv: ["--import", tsxLoader, "--expose-gc"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const replies = new Replies(name);
  child.on("message", (reply) => replies.deliver(reply));
  child.once("exit", (code, signal) => replies.end(`exited (${signal ?? `code ${code}`})`));
  const ready = await replies.next<ContenderReply>();
  if (!("ready" in ready)) throw new Error(`${name} did not start: ${JSON.stringify(ready)}`);
  const request = (message: ContenderRequest) => child.send(message);
  return {
    name,
    async run(workload, files) {
      request({ workload, ...(files && { files }) });
      return sample(name, await replies.next<ContenderReply>());
    },
    async close() {
      if (child.connected) request({ close: true });
      await ended(child);
    },
  };
}

/** The Python to run dask_bag.py with, checked to have dask: the reason to install it if not. */
export function checkDask(python: string): void {
  const found = spawnSync(python, ["-c", "import dask.bag, dask; print(dask.__version__)"], {
    encoding: "utf8",
  });
  if (found.status !== 0) {
    throw new Error(
      `${python} cannot import dask.bag (${(found.stderr || String(found.error)).trim().split("\n").at(-1)}): ` +
        "install Debian's package with `apt-get install -y python3-dask`, or pass --python",
    );
  }
}

/** Dask bag on the same files: dask_bag.py, serving one workload a line. */
export async function startDaskContender(
  name: string,
  python: string,
  files: Files,
  workers: number,
  blocksize: number,
): Promise<Contender & { readonly info: DaskInfo }> {
  const child = spawn(
    python,
    [
      daskScript,
      ...["--log", files.log, "--users", files.users],
      ...["--workers", String(workers), "--blocksize", String(blocksize)],
    ],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const replies = new Replies(name);
  // Only JSON lines are replies: anything else a library prints goes to stderr.
  createInterface({ input: child.stdout }).on("line", (line) =>
    line.startsWith("{") ? replies.deliver(JSON.parse(line)) : console.error(line),
  );
  child.once("exit", (code, signal) => replies.end(`exited (${signal ?? `code ${code}`})`));
  const ready = await replies.next<DaskInfo & { ready?: true }>();
  const { ready: _, ...info } = ready;
  const request = (message: ContenderRequest) => child.stdin.write(`${JSON.stringify(message)}\n`);
  return {
    name,
    info,
    async run(workload, files) {
      request({ workload, ...(files && { files }) });
      return sample(name, await replies.next<ContenderReply>());
    },
    async close() {
      if (child.stdin.writable) request({ close: true });
      child.stdin.end();
      await ended(child);
    },
  };
}
