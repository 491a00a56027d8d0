// Where the cluster's Redis is and how to reach it: one server, a primary behind Sentinel, or a Redis
// Cluster, each named by a URL; and a first connection that fails with a clear reason (unreachable,
// refused credentials) instead of retrying forever.
import type { ConnectionOptions as TlsOptions } from "node:tls";
import { Cluster, Redis, type ClusterOptions, type RedisOptions as IORedisOptions } from "ioredis";
import { OptionError, WorkerError } from "../../errors.ts";

export interface RedisOptions {
  /**
   * One server: `redis://[user:password@]host:port[/db]`, `rediss://...` for TLS. A primary that
   * Sentinel fails over: `redis+sentinel://[user:password@]sentinel:26379,sentinel:26379/<primary name>[/db]`.
   * A Redis Cluster: `redis+cluster://[user:password@]node:6379,node:6379`. `rediss+` for TLS on either.
   */
  readonly url: string;
  /**
   * Namespace of every key weft writes: letters, digits, `_`, `.` and `-`, no `:`. Clusters
   * with different prefixes never meet. On a Redis Cluster the keys start with `{prefix}`, which puts
   * all of them in one hash slot.
   * @default "weft"
   */
  readonly prefix?: string;
  /** The sentinels' own password (their `requirepass`), when they have one; also `?sentinelPassword=` in the URL. */
  readonly sentinelPassword?: string;
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

/** A connection to the cluster's Redis, whichever its topology: what weft's code is given. */
export type RedisClient = Redis | Cluster;

interface Address {
  readonly host: string;
  readonly port: number;
}

/** How the Redis is laid out: one server (which may be restarted), a Sentinel-watched primary, or a Redis Cluster. */
export type RedisTopology =
  | ({ readonly kind: "server" } & Address)
  | { readonly kind: "sentinel"; readonly sentinels: readonly Address[]; readonly primary: string }
  | { readonly kind: "cluster"; readonly nodes: readonly Address[] };

/** What every connection to any node shares: credentials, TLS, timeouts. */
export interface RedisConnection {
  readonly db: number;
  readonly username?: string;
  readonly password?: string;
  readonly sentinelPassword?: string;
  readonly tls?: TlsOptions;
  readonly connectTimeout: number;
  readonly maxRetriesPerRequest: null;
}

export interface ResolvedRedis {
  /** For messages: the URL without its passwords. */
  readonly where: string;
  /** What every key starts with: the prefix, in braces on a Redis Cluster. */
  readonly prefix: string;
  readonly topology: RedisTopology;
  readonly connection: RedisConnection;
  readonly unreachableTimeoutMs: number;
}

const urlForm = /^(rediss?)(?:\+(sentinel|cluster))?:\/\/(?:([^@/?#]*)@)?([^/?#]+)(\/[^?#]*)?(\?[^#]*)?$/;

export function resolveRedis(options: string | RedisOptions): ResolvedRedis {
  const given = typeof options === "string" ? { url: options } : options;
  const parts = urlForm.exec(given.url);
  if (!parts) {
    throw new OptionError(
      `redis must be a URL such as redis://127.0.0.1:6379, redis+sentinel://127.0.0.1:26379/mymaster or ` +
        `redis+cluster://127.0.0.1:7000,127.0.0.1:7001, got "${redactUrl(given.url)}"`,
    );
  }
  const [, scheme, mode, userinfo, hostList, path, query] = parts as unknown as [
    string,
    "redis" | "rediss",
    "sentinel" | "cluster" | undefined,
    string | undefined,
    string,
    string | undefined,
    string | undefined,
  ];
  const addresses = hostList.split(",").map((host) => parseAddress(host, mode === "sentinel" ? 26379 : 6379));
  const segments = (path ?? "").split("/").filter(Boolean);
  let topology: RedisTopology;
  if (mode === "sentinel") {
    const [primary, ...rest] = segments;
    if (primary === undefined)
      throw new OptionError(
        `a redis+sentinel URL names the primary the sentinels watch after the addresses, as in redis+sentinel://127.0.0.1:26379/mymaster`,
      );
    segments.splice(0, segments.length, ...rest);
    topology = { kind: "sentinel", sentinels: addresses, primary: decodeURIComponent(primary) };
  } else if (mode === "cluster") {
    topology = { kind: "cluster", nodes: addresses };
  } else {
    if (addresses.length > 1)
      throw new OptionError(
        `a redis:// URL names one server; for several, say what they are: redis+sentinel://... or redis+cluster://...`,
      );
    topology = { kind: "server", ...addresses[0]! };
  }
  const db = segments.length > 0 ? Number(segments[0]) : 0;
  if (segments.length > 1 || !Number.isInteger(db) || db < 0)
    throw new OptionError(`the database in a redis URL is a number, got "${path}"`);
  if (mode === "cluster" && db !== 0)
    throw new OptionError(`a Redis Cluster has only database 0, got "${path}"`);
  const [username, password] = (userinfo ?? "").split(/:(.*)/s, 2).map((part) => decodeURIComponent(part));
  const sentinelPassword = given.sentinelPassword ?? new URLSearchParams(query ?? "").get("sentinelPassword");
  const tls = scheme === "rediss" ? { ...given.tls } : undefined;
  const prefix = checkPrefix(given.prefix ?? "weft");
  return {
    where: redactUrl(given.url),
    prefix: mode === "cluster" ? `{${prefix}}` : prefix,
    topology,
    unreachableTimeoutMs: given.unreachableTimeoutMs ?? 30_000,
    connection: {
      db,
      ...(username && { username }),
      ...(password && { password }),
      ...(sentinelPassword && { sentinelPassword }),
      ...(tls && { tls }),
      connectTimeout: given.connectTimeoutMs ?? 5000,
      // Blocking reads (the queue, the replies) wait for Redis as long as it takes; weft bounds the wait itself.
      maxRetriesPerRequest: null,
    },
  };
}

function parseAddress(text: string, defaultPort: number): Address {
  const match = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d+))?$/.exec(text);
  if (!match) throw new OptionError(`"${text}" in a redis URL is not a host or host:port`);
  const host = match[1]!.replace(/^\[(.*)\]$/, "$1");
  const port = match[2] === undefined ? defaultPort : Number(match[2]);
  if (port < 1 || port > 65535) throw new OptionError(`port ${port} in a redis URL is not a port`);
  return { host, port };
}

/** The URL with every password in it starred out, for messages and logs. */
function redactUrl(url: string): string {
  return url
    .replace(/^([a-z+]+:\/\/[^:@/]*:)[^@/]*@/i, "$1***@")
    .replace(/([?&]sentinelPassword=)[^&#]*/, "$1***");
}

/** How long a command waits before it tries again on a Redis Cluster whose slots are moving. */
const failoverRetryMs = 200;

/** What reconnects: how soon after each failed try, or null to stop (a client being closed). */
export type Reconnect = (times: number) => number | null;

/**
 * A new connection to the cluster's Redis. Under Sentinel it asks the sentinels for the primary and
 * asks again after every lost connection, so it follows a failover; on a Redis Cluster it follows
 * the slots as they move to a promoted replica.
 */
export function connect(
  redis: ResolvedRedis,
  settings: { reconnect?: Reconnect; lazy?: boolean; offlineQueue?: boolean } = {},
): RedisClient {
  const { sentinelPassword, tls, ...shared } = redis.connection;
  const own: IORedisOptions = {
    ...shared,
    ...(tls && { tls }),
    ...(settings.lazy && { lazyConnect: true }),
    ...(settings.offlineQueue === false && { enableOfflineQueue: false }),
  };
  const { topology } = redis;
  if (topology.kind === "cluster") {
    const options: ClusterOptions = {
      redisOptions: own,
      // While a primary fails over, its slots answer nothing or MOVED to a replica not yet promoted:
      // commands wait and try again for as long as weft waits for Redis, not ioredis's 16 tries.
      retryDelayOnFailover: failoverRetryMs,
      retryDelayOnClusterDown: failoverRetryMs,
      retryDelayOnTryAgain: failoverRetryMs,
      maxRedirections: Math.ceil(redis.unreachableTimeoutMs / failoverRetryMs),
      ...(settings.reconnect && { clusterRetryStrategy: settings.reconnect }),
      ...(settings.lazy && { lazyConnect: true }),
      ...(settings.offlineQueue === false && { enableOfflineQueue: false }),
    };
    return new Cluster(
      topology.nodes.map(({ host, port }) => ({ host, port })),
      options,
    );
  }
  const retry = settings.reconnect && { retryStrategy: settings.reconnect };
  if (topology.kind === "sentinel") {
    return new Redis({
      ...own,
      ...retry,
      sentinels: topology.sentinels.map(({ host, port }) => ({ host, port })),
      name: topology.primary,
      ...(sentinelPassword && { sentinelPassword }),
      ...(tls && { enableTLSForSentinelMode: true, sentinelTLS: tls }),
      ...(settings.reconnect && { sentinelRetryStrategy: settings.reconnect }),
      // A primary demoted by a failover it survived answers writes with READONLY: ask the sentinels
      // again, and send the command again to the new primary.
      reconnectOnError: (error) => (error.message.startsWith("READONLY") ? 2 : false),
    });
  }
  return new Redis({
    ...own,
    ...retry,
    host: topology.host,
    port: topology.port,
    ...(tls && { tls: { servername: topology.host, ...tls } }),
  });
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
  const probe = connect(redis, { lazy: true, reconnect: () => null, offlineQueue: false });
  // A refused AUTH arrives as an error event while connect() only says the connection closed:
  // the event's error is the one that tells the user what to fix.
  let refusal: Error | undefined;
  probe.on("error", (error: Error) => (refusal ??= error));
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    await closeRedis(probe);
    throw describeConnectionError(redis.where, refusal ?? (error as Error));
  }
  try {
    const tooOld = versionProblem(await probe.info("server"));
    if (tooOld) throw new WorkerError(`Redis at ${redis.where} ${tooOld}`);
  } finally {
    // quit waits for the socket to close, so a pool that failed to start leaves nothing open.
    await closeRedis(probe);
  }
}

/** The oldest Redis weft runs on: 6.2 brought BLMOVE, the one command that takes a chunk into a worker's list. */
const oldestRedis = [6, 2] as const;

/** What is wrong with the Redis whose `INFO server` reply this is, or undefined if it will do. */
export function versionProblem(info: string): string | undefined {
  const version = /^redis_version:(\d+)\.(\d+)/m.exec(info);
  // A server that does not say (a proxy, a look-alike) is given the benefit of the doubt.
  if (!version) return undefined;
  const [major, minor] = [Number(version[1]), Number(version[2])];
  if (major > oldestRedis[0] || (major === oldestRedis[0] && minor >= oldestRedis[1])) return undefined;
  return (
    `is version ${major}.${minor}: weft needs ${oldestRedis.join(".")} or newer (a worker takes a chunk ` +
    "with BLMOVE, which came in 6.2): upgrade Redis"
  );
}

export function describeConnectionError(where: string, error: Error): WorkerError {
  const message = error.message;
  const refused = /NOAUTH|WRONGPASS|invalid username-password|AUTH/.test(message);
  // ioredis says so when no sentinel would answer it: here, because they refused its password.
  if (refused && message.includes("All sentinels are unreachable")) {
    return new WorkerError(
      `the sentinels of ${where} refused the credentials (${message}): give the sentinels' own password ` +
        `in the URL, redis+sentinel://...?sentinelPassword=<password> (or the sentinelPassword option)`,
      { cause: error },
    );
  }
  if (refused) {
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
export async function closeRedis(client: RedisClient): Promise<void> {
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
