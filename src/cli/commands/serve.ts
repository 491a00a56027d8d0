// `weft serve`: the HTTP service and dashboard, until SIGTERM or Ctrl-C.
import { redactUrl } from "../../server/options.ts";
import { startServer, type ServeOptions } from "../../server/server.ts";

/** `weft serve`'s options as the command line gives them: times in seconds and days. */
export interface ServeCommandOptions extends Omit<ServeOptions, "log" | "leaseMs" | "leaseRenewalMs"> {
  /** Seconds a replica holds a running job without renewing its lease. */
  readonly lease: number;
  /** Seconds between renewals. */
  readonly leaseRenewal: number;
  readonly jobTimeout: number;
  readonly retainDays: number;
  /** Seconds the running jobs have to finish once SIGTERM arrives. */
  readonly drainTimeout: number;
  readonly allowedHost?: readonly string[];
  /** `json`: Fastify's structured request log on standard output. */
  readonly log?: "json";
}

export async function serve(options: ServeCommandOptions): Promise<void> {
  const { jobTimeout, retainDays, allowedHost, drainTimeout, log, lease, leaseRenewal, ...rest } = options;
  const server = await startServer({
    ...rest,
    leaseMs: lease * 1000,
    leaseRenewalMs: leaseRenewal * 1000,
    log: log === "json",
    jobTimeoutMs: jobTimeout * 1000,
    retainMs: retainDays * 24 * 3600_000,
    ...(allowedHost && { allowedHosts: allowedHost }),
  });
  console.log(`weft serve: dashboard and API at ${server.url}`);
  console.log(
    `  jobs run on ${server.service.pool.backend} (${server.service.pool.workers} workers), stored in ${options.store ? `PostgreSQL at ${redactUrl(options.store)}` : (options.db ?? "weft.db")}`,
  );
  // On a shared store the queued jobs are every replica's, and the leases that lapsed any replica's.
  const previous = options.store ? "replicas that stopped" : "the server's last run";
  if (server.resumed + server.requeued > 0) {
    console.log(
      `  taken over from ${previous}: ${server.resumed} running jobs resumed from their settled chunks, ${server.requeued} queued jobs queued again`,
    );
  }
  if (server.interrupted > 0) {
    console.log(
      `  ${server.interrupted} jobs were running when the server last stopped and cannot resume (collecting tasks, benchmarks): marked interrupted, resubmit them from the dashboard`,
    );
  }
  if (options.token || options.tokensFile)
    console.log("  a token is required: Authorization: Bearer <token>");
  // SIGHUP re-reads the tokens file: a token added or revoked without a restart.
  process.on("SIGHUP", () => {
    try {
      server.reloadTokens();
      console.log("tokens reloaded");
    } catch (error) {
      console.error(`weft serve: tokens not reloaded, the ones before stay: ${(error as Error).message}`);
    }
  });
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGTERM", resolve);
    process.once("SIGINT", resolve);
  });
  // SIGTERM (a node drained, a rolling update): no new jobs, and the running ones get the grace
  // period to finish. Ctrl-C stops at once.
  if (signal === "SIGTERM") {
    console.log(`draining: no new jobs; the running ones have ${drainTimeout} s to finish`);
    await server.drain(drainTimeout * 1000);
  }
  console.log("stopping: jobs still running are cancelled and will show as interrupted");
  await server.close();
}
