// A cluster for tests: a private redis-server and `weft worker` processes started as a user starts
// them, serving the test fixtures' task modules.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startRedis, type RedisServer, type RedisServerOptions } from "./redis-server.ts";

const bin = fileURLToPath(new URL("../../bin/weft.js", import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

/**
 * What runs `weft worker`: this test's own runtime, except under Deno, whose Node compatibility does
 * not run the command (a coordinator on Deno with workers on Node.js, the `node` on the PATH).
 */
const workerRuntime = "Deno" in globalThis ? "node" : process.execPath;

/** The fixture modules conformance tests use; a cluster worker serves these and nothing else. */
export const fixtureModules = [
  "tasks.ts",
  "crash-tasks.ts",
  "plain-tasks.js",
  "property-tasks.ts",
  "setup-tasks.ts",
  "async-tasks.ts",
  "buffer-tasks.ts",
  "actor-tasks.ts",
  "broadcast-tasks.ts",
].map(fixture);

export interface ClusterWorkerProcess {
  readonly child: ChildProcess;
  /** Everything the worker printed so far, stdout and stderr. */
  output(): string;
  /** Ends it with SIGTERM (graceful) and waits for it to exit. */
  stop(): Promise<void>;
  /** SIGKILL: the worker dies mid-chunk, as a machine that loses power. */
  kill(): Promise<void>;
}

export interface WorkerSettings {
  readonly threads?: number;
  readonly modules?: readonly string[];
  readonly prefix?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Give the URL as WEFT_REDIS_URL instead of `--redis`, as a user keeping its password out of `ps` does. */
  readonly urlInEnv?: boolean;
  /** `--data-root`: the directory the workers share with the pool. */
  readonly dataRoot?: string;
}

/** Starts `weft worker` and resolves once it says it is serving. */
export function startClusterWorker(
  redisUrl: string,
  settings: WorkerSettings = {},
): Promise<ClusterWorkerProcess> {
  const args = [
    bin,
    "worker",
    ...(settings.urlInEnv ? [] : ["--redis", redisUrl]),
    "--concurrency",
    String(settings.threads ?? 2),
    "--prefix",
    settings.prefix ?? "weft",
    ...(settings.dataRoot === undefined ? [] : ["--data-root", settings.dataRoot]),
    "--tasks",
    ...(settings.modules ?? fixtureModules),
  ];
  const child = spawn(workerRuntime, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...settings.env, ...(settings.urlInEnv && { WEFT_REDIS_URL: redisUrl }) },
  });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const worker: ClusterWorkerProcess = {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`weft worker did not start within 20 s:\n${output}`));
    }, 20_000);
    const onData = (data: Buffer) => {
      output += data.toString();
      if (/serving /.test(output)) {
        clearTimeout(timer);
        resolve(worker);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`weft worker exited with code ${code} before serving:\n${output}`));
    });
  });
}

export interface TestCluster extends AsyncDisposable {
  readonly redis: RedisServer;
  readonly workers: ClusterWorkerProcess[];
  addWorker(settings?: WorkerSettings): Promise<ClusterWorkerProcess>;
  stop(): Promise<void>;
}

/** A redis-server and `workers` worker processes; `stop()` ends them all and removes the server's data. */
export async function startCluster(
  workers = 2,
  settings: WorkerSettings = {},
  redisOptions: RedisServerOptions = {},
): Promise<TestCluster> {
  const redis = await startRedis(redisOptions);
  const started: ClusterWorkerProcess[] = [];
  const cluster: TestCluster = {
    redis,
    workers: started,
    async addWorker(more = settings) {
      const worker = await startClusterWorker(redis.authUrl, more);
      started.push(worker);
      return worker;
    },
    async stop() {
      await Promise.all(started.map((w) => w.kill()));
      await redis[Symbol.asyncDispose]();
    },
    [Symbol.asyncDispose]: () => cluster.stop(),
  };
  // Every start settles before a failure is thrown: a worker still starting when another failed would
  // otherwise join the cluster after stop() and keep running.
  const starts = await Promise.allSettled(Array.from({ length: workers }, () => cluster.addWorker()));
  const failed = starts.find((start): start is PromiseRejectedResult => start.status === "rejected");
  if (failed) {
    await cluster.stop();
    throw failed.reason;
  }
  return cluster;
}
