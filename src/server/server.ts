// `weft serve`: the HTTP service. Starts the job store, the pool, the job service and the HTTP app
// on them, and closes them in the order that lets running jobs stop before what reports them.
import type { ClusterMonitor } from "../backends/redis/cluster-status.ts";
import { weft, weftWithLedgers } from "../pool/weft.ts";
import { createApp } from "./http/app.ts";
import { JobService } from "./jobs/job-service.ts";
import { TaskCatalog } from "./jobs/task-catalog.ts";
import { resolveOptions, type ServeOptions } from "./options.ts";
import { openStore } from "./store/open-store.ts";

export type { ServeOptions } from "./options.ts";

export interface RunningServer {
  readonly url: string;
  readonly service: JobService;
  /** Jobs the previous run left running that could not run again, now interrupted (each says why). */
  readonly interrupted: number;
  /** Jobs the previous run left running that run again here, from their ledgers' settled chunks. */
  readonly resumed: number;
  /** Jobs the previous run left queued, queued again here. */
  readonly requeued: number;
  /**
   * Takes no new job (`POST /api/jobs` answers 503, `/readyz` says not ready) and resolves once the
   * running jobs have ended or `timeoutMs` has passed; `close()` then stops what still runs.
   */
  drain(timeoutMs: number): Promise<void>;
  /** Reads the tokens file again (`tokensFile`); on an error, keeps the tokens it had and throws why. */
  reloadTokens(): void;
  close(): Promise<void>;
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const settings = resolveOptions(options);
  const catalog = await TaskCatalog.load(options.tasks);
  const store = await openStore(settings.store, { leaseMs: settings.leaseMs });
  let service: JobService | undefined;
  let app: Awaited<ReturnType<typeof createApp>> | undefined;
  // Resumable jobs keep their ledgers in the cluster's Redis on a cluster, else in the job store.
  const pool = await (
    options.redis
      ? weft({ redis: options.redis, workers: options.workers })
      : weftWithLedgers({ workers: options.workers ?? "auto" }, store.ledgers)
  ).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  let cluster: ClusterMonitor | undefined;
  try {
    // The pool has loaded the cluster's packages already, so this import cannot miss one.
    if (options.redis) {
      const { ClusterMonitor } = await import("../backends/redis/cluster-status.ts");
      cluster = await ClusterMonitor.open(options.redis);
    }
    service = await JobService.start(store, pool, catalog, settings.service);
    app = await createApp(service, settings, options, cluster);
    await app.listen({ host: settings.host, port: settings.port });
  } catch (error) {
    await app?.close();
    await service?.close();
    await cluster?.close();
    await pool.close();
    await store.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : settings.port;
  const running = service;
  const http = app;
  return {
    url: `http://${settings.host.includes(":") ? `[${settings.host}]` : settings.host}:${port}`,
    service: running,
    interrupted: running.recovery.interrupted,
    resumed: running.recovery.resumed,
    requeued: running.recovery.queued.length - running.recovery.resumed,
    drain: (timeoutMs) => running.drain(timeoutMs),
    reloadTokens: () => settings.tokens.reload(),
    async close() {
      // Jobs first, so they stop before the streams that report them; then the HTTP side.
      await running.close();
      await http.close();
      await cluster?.close();
      await pool.close();
      await store.close();
    },
  };
}
