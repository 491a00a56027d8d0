// I/O-bound work: async tasks that wait on a service, many at once on each worker with
// `concurrency`, kept under the service's rate limit with `rateLimit`, and an urgent job that
// overtakes a long one with `priority`.
// Run it: `node --import tsx examples/io-jobs.ts` (it serves the pages itself, on a local port).
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { weft } from "../src/index.ts";
import { fetchAndParse } from "./page-tasks.ts";

// A slow service: every page takes 10 ms to answer.
const server = createServer((request, response) => {
  setTimeout(() => {
    const n = Number(request.url?.split("/").at(-1));
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ title: `Page ${n}`, body: "lorem ipsum ".repeat(n % 7).trim() }));
  }, 10);
});
server.listen(0, "127.0.0.1");
await once(server, "listening");
const site = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const urls = Array.from({ length: 400 }, (_, n) => `${site}/pages/${n}`);
const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(2)} s`;

try {
  const pool = await weft();
  try {
    let started = performance.now();
    const oneAtATime = await pool.from(urls).map(fetchAndParse).collect();
    console.log(
      `${urls.length} pages, one at a time on each of ${pool.workers} workers: ${seconds(started)}`,
    );

    // #region concurrency
    started = performance.now();
    const pages = await pool.from(urls).map(fetchAndParse).options({ concurrency: 25 }).collect();
    // #endregion
    console.log(`${urls.length} pages, 25 at once on each worker: ${seconds(started)}`);
    console.log(
      `the same pages in the same order as one at a time: ${JSON.stringify(pages) === JSON.stringify(oneAtATime)}`,
    );

    // #region rate-limit
    started = performance.now();
    await pool
      .from(urls)
      .map(fetchAndParse)
      .options({ concurrency: 25, rateLimit: { perSecond: 500 } })
      .collect();
    // #endregion
    console.log(`${urls.length} pages, at most 500 a second on all workers together: ${seconds(started)}`);

    // A long crawl is under way when an urgent job arrives: its chunks go first.
    const finished: string[] = [];
    const crawl = pool
      .from([...urls, ...urls])
      .map(fetchAndParse)
      .options({ concurrency: 5 })
      .count()
      .then(() => finished.push("the long crawl"));
    // #region priority
    const urgent = pool
      .from(urls.slice(0, 20))
      .map(fetchAndParse)
      .options({ priority: 1, concurrency: 5 })
      .count();
    // #endregion
    await Promise.all([crawl, urgent.then(() => finished.push("the urgent job"))]);
    console.log(`finished first: ${finished[0]}`);
  } finally {
    await pool.close();
  }
} finally {
  server.close();
}
