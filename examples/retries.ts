// When things go wrong: a job over flaky pages, with retries (backoff, and a predicate that skips
// errors not worth another attempt), a deadline per chunk and one for the whole job; then the same
// over a broken page with `errors: "collect"`, which finishes the job around it.
// Run it: `node --import tsx examples/retries.ts` (it serves the pages itself, on a local port).
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { weft } from "../src/index.ts";
import { fetchAndParse } from "./page-tasks.ts";

// A small site: /pages/<n> is a JSON page, but every fifth page fails the first time it is asked
// for (503), and /pages/broken is not JSON at all.
const asked = new Map<string, number>();
const server = createServer((request, response) => {
  const path = request.url ?? "/";
  const times = (asked.get(path) ?? 0) + 1;
  asked.set(path, times);
  const n = Number(path.split("/").at(-1));
  if (path === "/pages/broken") return void response.end("{ this is not JSON");
  if (n % 5 === 0 && times === 1) return void response.writeHead(503).end();
  response.setHeader("content-type", "application/json");
  response.end(JSON.stringify({ title: `Page ${n}`, body: "lorem ipsum ".repeat(n + 1).trim() }));
});
server.listen(0, "127.0.0.1");
await once(server, "listening");
const site = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

try {
  const pool = await weft();
  try {
    let retried = 0;
    pool.events.on("retry", () => retried++);

    const urls = Array.from({ length: 30 }, (_, n) => `${site}/pages/${n}`);
    // #region options
    const pages = await pool
      .from(urls)
      .map(fetchAndParse)
      .options({
        retries: { retries: 3, initialDelayMs: 200, retryIf: (e) => e.name !== "SyntaxError" },
        timeout: 30_000, // the longest one chunk may run
        signal: AbortSignal.timeout(10 * 60_000), // cancel the whole job
      })
      .collect();
    // #endregion
    const requests = [...asked.values()].reduce((a, b) => a + b, 0);
    console.log(
      `fetched ${pages.length} pages (${pages.reduce((n, p) => n + p.words, 0)} words) with ${requests} requests: ` +
        `${retried} chunks were retried after a 503, and none counted twice`,
    );

    // A page that will never parse: retrying it is pointless (retryIf says no), and under
    // `errors: "collect"` it is set aside instead of failing the job.
    const retriedBefore = retried;
    // #region collect
    const { result, failures } = await pool
      .from([...urls.slice(0, 5), `${site}/pages/broken`, ...urls.slice(5, 10)])
      .map(fetchAndParse)
      .options({ errors: "collect", retries: { retries: 3, retryIf: (e) => e.name !== "SyntaxError" } })
      .collect();
    for (const { index, preview, error } of failures) {
      console.log(`item ${index} (${preview}) failed: ${error.name}: ${error.message}`);
    }
    // #endregion
    console.log(`  chunks retried: ${retried - retriedBefore} (retryIf turned the SyntaxError down)`);
    console.log(`the other ${result.length} pages arrived: ${result.map((p) => p.title).join(", ")}`);
  } finally {
    await pool.close();
  }
} finally {
  server.close();
  server.closeAllConnections();
}
