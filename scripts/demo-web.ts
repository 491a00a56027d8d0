// npm run demo:web [-- --port n]: builds the Mandelbrot page of examples/web-mandelbrot with weft's
// browser build and serves it on 127.0.0.1 until interrupted.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildWebPage, serveWebPage } from "./web-page.ts";

const { values } = parseArgs({ options: { port: { type: "string", default: "5173" } } });
const root = fileURLToPath(new URL("../examples/web-mandelbrot/", import.meta.url));
const directory = await mkdtemp(join(tmpdir(), "weft-demo-web-"));
try {
  const config = await buildWebPage(
    {
      root,
      tasks: { tasks: join(root, "tasks.ts") },
    },
    directory,
  );
  const page = await serveWebPage(config, Number(values.port));
  console.log(`weft's web demo: open ${page.url} (Ctrl-C stops it)`);
  await new Promise<void>((resolve) => process.once("SIGINT", resolve));
  await page.close();
} finally {
  await rm(directory, { recursive: true, force: true });
}
