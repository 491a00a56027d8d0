// `weft serve`'s options, as programs give them to startServer, and the settings they come to once
// every default is filled in.
import { availableParallelism } from "node:os";
import type { RedisOptions } from "../backends/redis/connection.ts";
import type { LogOption } from "./http/logging.ts";
import { TokenTable } from "./http/tokens.ts";
import { OptionError } from "../errors.ts";
import type { JobServiceSettings } from "./jobs/job-service.ts";
import { defaultLeaseMs, defaultLeaseRenewalMs } from "./store/lease.ts";
import type { StoreLocation } from "./store/open-store.ts";

export interface ServeOptions {
  /** Task modules whose weft tasks jobs may name. */
  readonly tasks: readonly string[];
  /** @default "127.0.0.1" */
  readonly host?: string;
  /** 0 picks a free port. @default 8787 */
  readonly port?: number;
  /** The job store's file, or ":memory:", when there is no `store`. @default "weft.db" */
  readonly db?: string;
  /**
   * The job store in PostgreSQL, for replicas of the service that share it:
   * `postgres://user:password@host:5432/database`. Without it, the store is SQLite in `db`, which
   * one server holds at a time. @default none
   */
  readonly store?: string;
  /**
   * How long a replica holds a job it runs without renewing its lease, in ms: a replica that has not
   * renewed it for this long is taken for dead, and another takes its job over.
   * @default 15_000 (15 s)
   */
  readonly leaseMs?: number;
  /**
   * How often a replica renews the leases of its running jobs, and looks for jobs to take over, in
   * ms; shorter than `leaseMs`. @default 5_000 (5 s)
   */
  readonly leaseRenewalMs?: number;
  /**
   * The secret every client must send (`Authorization: Bearer <token>`); required unless the server
   * listens on loopback only. Several tokens: one per client, each with its own quota.
   */
  readonly token?: string | readonly string[];
  /**
   * A JSON file of tokens, each with a name, a scope (read, submit, admin) and a quota, kept as
   * their SHA-256 digests (`weft token` makes one); re-read by `reloadTokens()` (on SIGHUP in
   * `weft serve`), so a token can be added or revoked without a restart. @default none
   */
  readonly tokensFile?: string;
  /** Run jobs on a cluster instead of this machine's threads. */
  readonly redis?: string | RedisOptions;
  /** Workers of the shared pool. @default one per core */
  readonly workers?: number;
  /** Jobs that run at once. @default 2 */
  readonly maxRunning?: number;
  /** Jobs one client may have queued or running. @default 8 */
  readonly maxPerClient?: number;
  /** Largest request body, in bytes. @default 1 MiB */
  readonly bodyLimit?: number;
  /**
   * Log requests (Fastify's logger, JSON lines), to standard output (`true`) or to this stream; a
   * `?token=` in a logged URL is written as `token=[redacted]`. @default false
   */
  readonly log?: LogOption;
  /**
   * The longest a job may run, in ms, from its start; past it the job fails and its work stops.
   * @default 600_000 (10 minutes)
   */
  readonly jobTimeoutMs?: number;
  /** The most a collecting job may store as its result, in bytes of JSON. @default 64 MiB */
  readonly maxResultBytes?: number;
  /** Finished jobs kept, the newest; older ones are deleted with their results. @default 1000 */
  readonly retainJobs?: number;
  /** How long finished jobs are kept, in ms. @default 30 days */
  readonly retainMs?: number;
  /**
   * Trust `X-Forwarded-For` (and `-Host`, `-Proto`) from these proxies: an address, a CIDR range,
   * a comma-separated list of them, or `true` for any (Fastify's `trustProxy`). Without it, every
   * client behind a reverse proxy is the proxy's address, and shares one quota.
   * @default false
   */
  readonly trustProxy?: boolean | string | readonly string[];
  /**
   * Host names (the `Host` header, without the port) requests may carry besides the loopback names,
   * e.g. the name a reverse proxy forwards. On loopback, only `localhost`, `127.0.0.1` and `::1`
   * are served unless listed here, so a web page cannot reach the service through a name of its
   * own that resolves to 127.0.0.1 (DNS rebinding). @default none
   */
  readonly allowedHosts?: readonly string[];
  /**
   * The most bytes the server holds for one event-stream client that reads slower than events
   * come; past it the client is disconnected (and its browser reconnects). @default 1 MiB
   */
  readonly eventBufferBytes?: number;
}

/** The options with their defaults, as the parts of the server take them. */
export interface ServerSettings {
  readonly host: string;
  readonly port: number;
  /** Where the jobs are kept: a PostgreSQL URL, or SQLite's file. */
  readonly store: StoreLocation;
  readonly leaseMs: number;
  /** The tokens clients may send, with what each may do; none asked for when it is empty. */
  readonly tokens: TokenTable;
  /** Whether `host` is a loopback address, so that the service is not reachable from elsewhere. */
  readonly loopback: boolean;
  readonly bodyLimit: number;
  readonly eventBufferBytes: number;
  readonly service: JobServiceSettings;
}

const loopback = new Set(["127.0.0.1", "::1", "localhost"]);

/** The options with their defaults; throws if they would expose the service without a token. */
export function resolveOptions(options: ServeOptions): ServerSettings {
  const host = options.host ?? "127.0.0.1";
  const tokens = new TokenTable(
    [options.token ?? []].flat().filter((token) => token !== ""),
    options.tokensFile,
  );
  if (!loopback.has(host) && !tokens.required) {
    throw new Error(
      `listening on ${host} exposes the service beyond this machine: give a token (--token or WEFT_TOKEN, or a --tokens-file) that every client must send`,
    );
  }
  const leaseMs = options.leaseMs ?? defaultLeaseMs;
  const leaseRenewalMs = options.leaseRenewalMs ?? defaultLeaseRenewalMs;
  if (!(leaseMs > 0 && leaseRenewalMs > 0 && leaseRenewalMs < leaseMs)) {
    throw new OptionError(
      `a lease must be renewed more often than it lasts: leaseMs is ${leaseMs} and leaseRenewalMs ${leaseRenewalMs}; ` +
        `give a renewal a third of the lease or less (the defaults are 15 s and 5 s)`,
    );
  }
  if (options.store !== undefined && !/^postgres(ql)?:\/\//.test(options.store)) {
    throw new OptionError(
      `the job store's URL must be PostgreSQL's, postgres://user:password@host:5432/database; got ${JSON.stringify(redactUrl(options.store))} ` +
        `(for SQLite, give the file as --db instead)`,
    );
  }
  return {
    host,
    port: options.port ?? 8787,
    store: options.store !== undefined ? { postgres: options.store } : { sqlite: options.db ?? "weft.db" },
    leaseMs,
    tokens,
    loopback: loopback.has(host),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    eventBufferBytes: options.eventBufferBytes ?? 1024 * 1024,
    service: {
      maxRunning: options.maxRunning ?? 2,
      maxPerClient: options.maxPerClient ?? 8,
      jobTimeoutMs: options.jobTimeoutMs ?? 600_000,
      maxResultBytes: options.maxResultBytes ?? 64 * 1024 * 1024,
      maxJobWorkers: 2 * availableParallelism(),
      retention: { keepJobs: options.retainJobs ?? 1000, keepMs: options.retainMs ?? 30 * 24 * 3600_000 },
      leaseRenewalMs,
    },
  };
}

/** A URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:[redacted]@");
}
