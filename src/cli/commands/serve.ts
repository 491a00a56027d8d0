// `weft serve`: the HTTP service and dashboard, until SIGTERM or Ctrl-C.
import { startServer, type ServeOptions } from "../../server/server.ts";

/** `weft serve`'s options as the command line gives them: times in seconds and days. */
export interface ServeCommandOptions extends ServeOptions {
  readonly jobTimeout: number;
  readonly retainDays: number;
  readonly allowedHost?: readonly string[];
}

export async function serve(options: ServeCommandOptions): Promise<void> {
  const { jobTimeout, retainDays, allowedHost, ...rest } = options;
  const server = await startServer({
    ...rest,
    jobTimeoutMs: jobTimeout * 1000,
    retainMs: retainDays * 24 * 3600_000,
    ...(allowedHost && { allowedHosts: allowedHost }),
  });
  console.log(`weft serve: dashboard and API at ${server.url}`);
  console.log(
    `  jobs run on ${server.service.pool.backend} (${server.service.pool.workers} workers), stored in ${options.db ?? "weft.db"}`,
  );
  if (server.interrupted > 0) {
    console.log(
      `  ${server.interrupted} jobs were running when the server last stopped: marked interrupted, resubmit them from the dashboard`,
    );
  }
  if (options.token) console.log("  a token is required: Authorization: Bearer <token>");
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", () => resolve());
    process.once("SIGINT", () => resolve());
  });
  console.log("stopping: running jobs are cancelled and will show as interrupted");
  await server.close();
}
