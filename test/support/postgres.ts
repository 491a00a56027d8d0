// A private PostgreSQL for tests: a cluster made by initdb in a directory of its own, a server on a
// free loopback port with its socket in that directory, stopped and removed by the test that started
// it. Debian's `postgresql` package provides the binaries (scripts/test/requirements.ts installs it).
// PostgreSQL refuses to run as root: under root the server runs as the `postgres` user the package made.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

const host = "127.0.0.1";
const user = "weft";
const readyTimeoutMs = 30_000;
const stopTimeoutMs = 10_000;

export interface PostgresServer extends AsyncDisposable {
  /** `postgres://weft@127.0.0.1:PORT/postgres`: the superuser, no password (trust on loopback). */
  readonly url: string;
  readonly port: number;
  /** A new, empty database on the server; its URL. */
  createDatabase(name: string): Promise<string>;
  /** The server's output so far, for assertion messages. */
  output(): string;
  /** Stops the server (a fast shutdown, SIGKILL past 10 s) and removes its directory. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Every server this process started and has not stopped: they go if the test process exits first. */
const live = new Map<ChildProcess, string>();
process.once("exit", () => {
  for (const [child, dir] of live) {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The folder of PostgreSQL's binaries: the newest /usr/lib/postgresql/<version>/bin. */
export function postgresBin(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, "bin", "postgres")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(
      "PostgreSQL is not installed (no /usr/lib/postgresql/<version>/bin/postgres): apt-get install postgresql, or run npm test, which installs it",
    );
  }
  return join(root, versions[0]!, "bin");
}

/**
 * Starts a PostgreSQL server on a free loopback port in a directory of its own, and resolves once it
 * accepts connections.
 * @example
 * await using postgres = await startPostgres();
 * const url = await postgres.createDatabase("jobs");
 */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBin();
  const dir = mkdtempSync(join(tmpdir(), "weft-postgres-"));
  const data = join(dir, "data");
  const owner = process.getuid?.() === 0 ? postgresUser() : undefined;
  if (owner) chownSync(dir, owner.uid, owner.gid);
  try {
    execFileSync(
      join(bin, "initdb"),
      ["-D", data, "-U", user, "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"],
      { stdio: ["ignore", "ignore", "pipe"], ...owner, cwd: dir },
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${String((error as { stderr?: unknown }).stderr ?? error)}`, {
      cause: error,
    });
  }
  const port = await freePort();
  // Durability off: a test's data lives as long as the test.
  const child = spawn(
    join(bin, "postgres"),
    [
      "-D",
      data,
      "-k",
      dir,
      "-h",
      host,
      "-p",
      String(port),
      "-c",
      "fsync=off",
      "-c",
      "synchronous_commit=off",
    ],
    { stdio: ["ignore", "pipe", "pipe"], ...owner, cwd: dir },
  );
  live.set(child, dir);
  let log = "";
  // "close": the process has exited and its output pipes are closed.
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`PostgreSQL did not start within ${readyTimeoutMs} ms:\n${log}`)),
      readyTimeoutMs,
    );
    const onOutput = (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-64 * 1024);
      if (log.includes("database system is ready to accept connections")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on("data", onOutput);
    child.stderr.on("data", onOutput);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`PostgreSQL exited with ${code} before it was ready:\n${log}`));
    });
  });
  const url = `postgres://${user}@${host}:${port}/postgres`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGINT"); // a fast shutdown: clients are disconnected
      const timer = setTimeout(() => child.kill("SIGKILL"), stopTimeoutMs);
      await exited;
      clearTimeout(timer);
    }
    live.delete(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await ready;
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    port,
    output: () => log,
    async createDatabase(name: string) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
      } finally {
        await client.end();
      }
      return `postgres://${user}@${host}:${port}/${encodeURIComponent(name)}`;
    },
    [Symbol.asyncDispose]: stop,
  };
}

function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  try {
    return { uid: id("-u"), gid: id("-g") };
  } catch (error) {
    throw new Error(
      "PostgreSQL refuses to run as root, and there is no postgres user to run it as: install Debian's postgresql package, which makes one",
      { cause: error },
    );
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}
