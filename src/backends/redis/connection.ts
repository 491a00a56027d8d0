// Where the cluster's Redis is and how to reach it: options from a URL, and a first connection that
// fails with a clear reason (unreachable, refused credentials) instead of retrying forever.
import type { ConnectionOptions as TlsOptions } from "node:tls";
import { Redis } from "ioredis";
import { OptionError, WorkerError } from "../../errors.ts";

export interface RedisOptions {
  /** `redis://[user:password@]host:port[/db]`, or `rediss://...` for TLS. */
  readonly url: string;
  /**
   * Namespace of every key weft and BullMQ write: letters, digits, `_`, `.` and `-`, no `:`. Clusters
   * with different prefixes never meet.
   * @default "weft"
   */
  readonly prefix?: string;
  /** Extra TLS settings (a private CA, a client certificate); TLS itself is switched on by `rediss://`. */
  readonly tls?: TlsOptions;
  /** How long the first connection may take, in ms. @default 5000 */
  readonly connectTimeoutMs?: number;
  /**
   * How long a job waits for a Redis that went away to come back, in ms; after that its chunks fail
   * with an error saying Redis is gone.
   * @default 30000
   */
  readonly unreachableTimeoutMs?: number;
}

/** What ioredis and BullMQ are given to connect. */
export interface RedisConnection {
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly username?: string;
  readonly password?: string;
  readonly tls?: TlsOptions;
  readonly connectTimeout: number;
  readonly maxRetriesPerRequest: null;
}

export interface ResolvedRedis {
  /** For messages: the URL without its password. */
  readonly where: string;
  readonly prefix: string;
  readonly connection: RedisConnection;
  readonly unreachableTimeoutMs: number;
}

export function resolveRedis(options: string | RedisOptions): ResolvedRedis {
  const given = typeof options === "string" ? { url: options } : options;
  let url: URL;
  try {
    url = new URL(given.url);
  } catch {
    throw new OptionError(`redis must be a URL such as redis://127.0.0.1:6379, got "${given.url}"`);
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw new OptionError(`redis URL must start with redis:// or rediss:// (TLS), got "${url.protocol}//"`);
  }
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0)
    throw new OptionError(`the database in a redis URL is a number, got "${url.pathname}"`);
  const prefix = checkPrefix(given.prefix ?? "weft");
  const redacted = new URL(url.href);
  if (redacted.password) redacted.password = "***";
  const tls = url.protocol === "rediss:" ? { servername: url.hostname, ...given.tls } : undefined;
  return {
    where: redacted.href,
    prefix,
    unreachableTimeoutMs: given.unreachableTimeoutMs ?? 30_000,
    connection: {
      host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
      port: url.port ? Number(url.port) : 6379,
      db,
      ...(url.username && { username: decodeURIComponent(url.username) }),
      ...(url.password && { password: decodeURIComponent(url.password) }),
      ...(tls && { tls }),
      connectTimeout: given.connectTimeoutMs ?? 5000,
      // BullMQ's blocking connections must wait for Redis as long as it takes; weft bounds the wait itself.
      maxRetriesPerRequest: null,
    },
  };
}

/**
 * The prefix, if it is one. A `:` is refused because weft's keys are `<prefix>:<name>:...`: with it,
 * prefix `weft:workers` would hold the keys of prefix `weft`'s worker heartbeats.
 */
export function checkPrefix(prefix: string): string {
  if (prefix.includes(":")) {
    throw new OptionError(
      `prefix "${prefix}" holds a ":", which separates the parts of weft's keys in Redis (prefix "weft:workers" would overlap the keys of prefix "weft"): use letters, digits, _ . or - instead, e.g. "${prefix.replaceAll(":", "-")}"`,
    );
  }
  if (!/^[\w.-]{1,64}$/.test(prefix))
    throw new OptionError(`prefix may hold 1 to 64 letters, digits and _ . - only, got "${prefix}"`);
  return prefix;
}

/**
 * Connects once, without retries, and checks the server answers: the error says whether Redis was
 * unreachable or refused the credentials, and what to do.
 */
export async function checkRedis(redis: ResolvedRedis): Promise<void> {
  const probe = new Redis({
    ...redis.connection,
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  // A refused AUTH arrives as an error event while connect() only says the connection closed:
  // the event's error is the one that tells the user what to fix.
  let refusal: Error | undefined;
  probe.on("error", (error: Error) => (refusal ??= error));
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    throw describeConnectionError(redis.where, refusal ?? (error as Error));
  } finally {
    // quit waits for the socket to close, so a pool that failed to start leaves nothing open.
    await closeRedis(probe);
  }
}

export function describeConnectionError(where: string, error: Error): WorkerError {
  const message = error.message;
  if (/NOAUTH|WRONGPASS|invalid username-password|AUTH/.test(message)) {
    return new WorkerError(
      `Redis at ${where} refused the credentials (${message}): give the user and password in the URL, redis://user:password@host:port`,
      { cause: error },
    );
  }
  return new WorkerError(
    `could not reach Redis at ${where} (${message}): check that redis-server runs there and the address and port are right`,
    { cause: error },
  );
}

/**
 * Ends a connection and resolves once its socket is closed (quit alone resolves on the server's
 * reply). A client without a live connection (Redis is down, it is reconnecting) is dropped at
 * once: ioredis never reports such a client as ended.
 */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === "end") return;
  if (client.status !== "ready") return client.disconnect();
  const ended = new Promise<void>((resolve) => client.once("end", () => resolve()));
  await client.quit().catch(() => client.disconnect());
  await within(ended, closeBoundMs).catch(() => client.disconnect());
}

/** How long a close may wait on Redis before the connection is dropped instead. */
export const closeBoundMs = 2000;

/** `promise`, or a rejection once `ms` have passed. */
export function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer!: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${Math.round(ms)} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
