// `weft serve`: the HTTP service and dashboard, until SIGTERM or Ctrl-C.
import { startServer, type ServeOptions } from "../../server/server.ts";

export async function serve(options: ServeOptions): Promise<void> {
  const server = await startServer(options);
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
