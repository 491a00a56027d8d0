// A private redis-server for tests: its own free loopback port, no persistence unless asked for, stopped by
// the test that started it.
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

export interface RedisServerOptions {
  /** A password for the default user (`--requirepass`): commands sent before `AUTH` fail with NOAUTH. */
  readonly password?: string;
  /**
   * An ACL user, allowed every key, channel and command unless `rules` say otherwise. Unless `password`
   * is set too, the default user is turned off, so only this user can run commands. Neither field may
   * contain whitespace.
   */
  readonly user?: {
    readonly name: string;
    readonly password: string;
    /** Its ACL rules, as `ACL SETUSER` takes them. @default ["~*", "&*", "+@all"] */
    readonly rules?: readonly string[];
  };
  /**
   * Keep the data across `stop()`, `kill()` and `restart()`: an append-only file, written before each
   * command is answered (`appendfsync always`), in a directory of the server's own that only
   * `[Symbol.asyncDispose]` (or the test process's exit) removes.
   * @default false: every start is empty
   */
  readonly persist?: boolean;
  /** More of `redis-server`'s settings, as its command line takes them (`["--replicaof", host, port]`). */
  readonly args?: readonly string[];
  /**
   * Run a Sentinel instead of a server: it watches the primary named here, and resolves once it
   * does. `args`, `password`, `user` and `persist` are for servers only.
   */
  readonly sentinel?: SentinelSettings;
  /**
   * The `redis-server` executable.
   * @default the first `redis-server` on PATH, else /usr/bin/redis-server
   */
  readonly bin?: string;
  /**
   * How long a start waits for "Ready to accept connections" before it fails with the server's output.
   * @default 10_000
   */
  readonly readyTimeoutMs?: number;
  /**
   * How long `stop()` waits after SIGTERM before it sends SIGKILL.
   * @default 5_000
   */
  readonly stopTimeoutMs?: number;
}

export interface SentinelSettings {
  /** The name clients ask the sentinels for. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** Sentinels that must agree the primary is down before one of them fails it over. */
  readonly quorum: number;
  /** How long the primary must not answer before a sentinel calls it down. */
  readonly downAfterMs: number;
  /** The time a failover may take before another is tried. */
  readonly failoverTimeoutMs: number;
  /** The primary's password, which the sentinel gives it (`auth-pass`). */
  readonly primaryPassword?: string;
  /** The sentinel's own password (`requirepass`). */
  readonly password?: string;
}

export interface RedisServer extends AsyncDisposable {
  /** Always 127.0.0.1. */
  readonly host: string;
  /** The port, the same across restarts. */
  readonly port: number;
  /** `redis://127.0.0.1:PORT`, without credentials. */
  readonly url: string;
  /** `url` with the configured credentials (the ACL user's if there is one); `url` itself without auth. */
  readonly authUrl: string;
  /** The running server's process id; undefined while it is stopped. */
  readonly pid: number | undefined;
  /** The server's output so far (its last 64 KB), for assertion messages. */
  output(): string;
  /**
   * SIGTERM, then SIGKILL if it has not exited within `stopTimeoutMs`. Resolves once it has exited. A
   * persistent server keeps its data for a later `restart()`.
   */
  stop(): Promise<void>;
  /** SIGKILL, as in a crash. Resolves once it has exited. */
  kill(): Promise<void>;
  /** Stops the server if it runs, then starts a new one on the same port: empty, unless `persist` is set. */
  restart(): Promise<void>;
  /** Stops the server and removes its data, persistent or not. */
  [Symbol.asyncDispose](): Promise<void>;
}

const host = "127.0.0.1";
const startAttempts = 5;
const outputLimit = 64 * 1024;

/** Every server this process started and has not seen exit: they go if the test process exits first. */
const live = new Set<ChildProcess>();
/** Data directories not yet removed: a server's own while it runs, a persistent server's until disposed. */
const dirs = new Set<string>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function makeDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "weft-redis-"));
  dirs.add(dir);
  return dir;
}

function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  dirs.delete(dir);
}

/**
 * Starts a redis-server on a free loopback port and resolves once it accepts connections.
 * @example
 * await using redis = await startRedis();
 * const queue = new Queue("jobs", { connection: { url: redis.url } });
 */
export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
  const bin = options.bin ?? findRedisServer();
  checkAccess(bin);
  const server = new LocalRedisServer(bin, options);
  for (let attempt = 1; ; attempt++) {
    try {
      await server.launch(await freePort());
      return server;
    } catch (error) {
      // Another process took the port between our probe and the server's bind: probe again.
      if (error instanceof PortTakenError && attempt < startAttempts) continue;
      await server[Symbol.asyncDispose]();
      throw error;
    }
  }
}

class PortTakenError extends Error {}

interface Running {
  readonly child: ChildProcess;
  /** Resolves once the process has exited and its output pipes have closed. */
  readonly closed: Promise<void>;
}

class LocalRedisServer implements RedisServer {
  readonly host = host;
  #port = 0;
  #running: Running | undefined;
  #log = "";
  /** A persistent server's data directory, kept from start to dispose; undefined for a server without persistence. */
  #dataDir: string | undefined;
  /** Start, stop, kill and restart run one at a time, in call order. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly bin: string,
    private readonly options: RedisServerOptions,
  ) {}

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `redis://${host}:${this.#port}`;
  }

  get authUrl(): string {
    const { user, password } = this.options;
    const credentials =
      user !== undefined
        ? `${encodeURIComponent(user.name)}:${encodeURIComponent(user.password)}@`
        : password !== undefined
          ? `:${encodeURIComponent(password)}@`
          : "";
    return `redis://${credentials}${host}:${this.#port}`;
  }

  get pid(): number | undefined {
    return this.#running?.child.pid;
  }

  output(): string {
    return this.#log;
  }

  stop(): Promise<void> {
    return this.#serialized(() => this.#stop("SIGTERM"));
  }

  kill(): Promise<void> {
    return this.#serialized(() => this.#stop("SIGKILL"));
  }

  restart(): Promise<void> {
    return this.#serialized(async () => {
      await this.#stop("SIGTERM");
      await this.#start(this.#port);
    });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.#serialized(async () => {
      await this.#stop("SIGTERM");
      if (this.#dataDir !== undefined) removeDir(this.#dataDir);
      this.#dataDir = undefined;
    });
  }

  /** The first start, on a port startRedis chose. */
  launch(port: number): Promise<void> {
    return this.#serialized(() => this.#start(port));
  }

  #serialized(operation: () => Promise<void>): Promise<void> {
    const result = this.#queue.then(operation);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  #append(text: string): void {
    this.#log = (this.#log + text).slice(-outputLimit);
  }

  async #start(port: number): Promise<void> {
    this.#port = port;
    // Without persistence, each start has a directory of its own, removed when that process ends.
    if (this.options.persist) this.#dataDir ??= makeDir();
    const dir = this.#dataDir ?? makeDir();
    const ownDir = dir !== this.#dataDir;
    let child: ChildProcess;
    try {
      child = spawn(this.bin, launchArgs(port, dir, this.options), { stdio: ["ignore", "pipe", "pipe"] });
    } catch (error) {
      // serverArgs throws on bad credentials before there is a process whose exit removes the directory.
      if (ownDir) removeDir(dir);
      throw error;
    }
    live.add(child);
    const closed = new Promise<void>((resolve) => {
      const finish = () => {
        live.delete(child);
        if (ownDir) removeDir(dir);
        resolve();
      };
      child.once("close", finish);
      // A process that never started emits no close.
      child.once("error", () => {
        if (child.pid === undefined) finish();
      });
    });
    let startOutput = "";
    const onOutput = (chunk: Buffer) => {
      const text = chunk.toString();
      startOutput += text;
      this.#append(text);
    };
    child.stdout?.on("data", onOutput);
    child.stderr?.on("data", onOutput);
    const running = { child, closed };

    const timeoutMs = this.options.readyTimeoutMs ?? 10_000;
    const failure = await new Promise<Error | undefined>((resolve) => {
      let settled = false;
      const done = (error: Error | undefined) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        child.stdout?.off("data", onData);
        child.off("error", onError);
        resolve(error);
      };
      const timer = setTimeout(() => {
        done(new Error(`redis-server on port ${port} was not ready after ${timeoutMs} ms`));
      }, timeoutMs);
      const onData = () => {
        // A sentinel says it watches its primary; a server, that it listens.
        if (startOutput.includes(this.options.sentinel ? "+monitor master" : "Ready to accept connections"))
          done(undefined);
      };
      const onError = (error: Error) =>
        done(new Error(`redis-server could not be started: ${error.message}`));
      child.stdout?.on("data", onData);
      child.once("error", onError);
      void closed.then(() => {
        const message = `redis-server on port ${port} exited before it accepted connections`;
        done(/Address already in use/.test(startOutput) ? new PortTakenError(message) : new Error(message));
      });
    });
    if (failure === undefined) {
      this.#running = running;
      return;
    }
    child.kill("SIGKILL");
    await closed;
    failure.message += ` (${this.bin} ${launchArgs(port, "DIR", this.options).join(" ")}); its output:\n${startOutput}`;
    throw failure;
  }

  async #stop(signal: "SIGTERM" | "SIGKILL"): Promise<void> {
    const running = this.#running;
    if (running === undefined) return;
    this.#running = undefined;
    running.child.kill(signal);
    if (signal === "SIGTERM" && !(await settlesWithin(running.closed, this.options.stopTimeoutMs ?? 5_000))) {
      running.child.kill("SIGKILL");
    }
    await running.closed;
  }
}

function launchArgs(port: number, dir: string, options: RedisServerOptions): string[] {
  return options.sentinel ? sentinelArgs(port, dir, options.sentinel) : serverArgs(port, dir, options);
}

/** A sentinel rewrites its configuration file as it learns the set-up, so it gets one in its directory. */
function sentinelArgs(port: number, dir: string, settings: SentinelSettings): string[] {
  const { name, host: primaryHost, port: primaryPort, quorum, downAfterMs, failoverTimeoutMs } = settings;
  const config = join(dir, "sentinel.conf");
  writeFileSync(
    config,
    [
      `port ${port}`,
      `bind ${host}`,
      `dir ${dir}`,
      "daemonize no",
      'logfile ""',
      `sentinel monitor ${name} ${primaryHost} ${primaryPort} ${quorum}`,
      `sentinel down-after-milliseconds ${name} ${downAfterMs}`,
      `sentinel failover-timeout ${name} ${failoverTimeoutMs}`,
      ...(settings.primaryPassword === undefined
        ? []
        : [`sentinel auth-pass ${name} ${settings.primaryPassword}`]),
      // Sentinels that have a password use it to reach each other too.
      ...(settings.password === undefined
        ? []
        : [`requirepass ${settings.password}`, `sentinel sentinel-pass ${settings.password}`]),
      "",
    ].join("\n"),
  );
  return [config, "--sentinel"];
}

function serverArgs(port: number, dir: string, options: RedisServerOptions): string[] {
  const persistence = options.persist
    ? ["--appendonly", "yes", "--appendfsync", "always"]
    : ["--appendonly", "no"];
  const args = ["--port", String(port), "--bind", host, "--save", "", ...persistence, "--dir", dir];
  args.push("--daemonize", "no", "--logfile", "", "--loglevel", "notice");
  if (options.password !== undefined) args.push("--requirepass", options.password);
  if (options.user !== undefined) {
    const { name, password, rules = ["~*", "&*", "+@all"] } = options.user;
    if (/\s/.test(name) || /\s/.test(password))
      throw new Error("startRedis: a user's name and password may not contain whitespace");
    args.push("--user", name, "on", `>${password}`, ...rules);
    if (options.password === undefined) args.push("--user", "default", "off");
  }
  args.push(...(options.args ?? []));
  return args;
}

function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void promise.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** A port nothing listens on now; the server may still lose a race for it, which startRedis retries. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      probe.close(() =>
        port > 0 ? resolve(port) : reject(new Error("no free port was found on 127.0.0.1")),
      );
    });
  });
}

const notFound =
  "tests that need Redis start their own redis-server. Install it with `apt-get install redis-server` (CI installs it).";

function findRedisServer(): string {
  const dirs = (process.env.PATH ?? "").split(delimiter).filter((dir) => dir !== "");
  for (const candidate of [...dirs.map((dir) => join(dir, "redis-server")), "/usr/bin/redis-server"]) {
    if (isExecutable(candidate)) return candidate;
  }
  throw new Error(`redis-server was not found on PATH nor at /usr/bin/redis-server: ${notFound}`);
}

function checkAccess(bin: string): void {
  if (!isExecutable(bin)) throw new Error(`redis-server was not found at ${bin}: ${notFound}`);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
