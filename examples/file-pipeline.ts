// A pipeline over a large file: stream its lines into the workers, parse, filter and aggregate them
// there, and never hold more than a bounded window of the file in memory.
// Run it: `node --import tsx examples/file-pipeline.ts` (it writes a 200,000-line log to a temp dir).
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { weft } from "../src/index.ts";
import { addStats, isRequestLine, parseRequest, routeOf, statsOf, type RouteStats } from "./log-tasks.ts";

const totalLines = 200_000;
const routes = ["/products/{id}", "/products/{id}/reviews", "/cart", "/checkout", "/search?q=tea", "/"];

/** An access log, generated from a fixed seed: mostly requests, now and then a comment or a cut line. */
function* accessLog(): Generator<string> {
  let seed = 42;
  const random = () => (seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
  const start = Date.UTC(2024, 4, 1);
  for (let i = 0; i < totalLines; i++) {
    if (i % 500 === 0) {
      yield `# rotated at line ${i}\n`;
      continue;
    }
    const route = routes[Math.floor(random() * random() * routes.length)]!;
    const path = route.replace("{id}", String(Math.floor(random() * 10_000)));
    const method = route === "/checkout" ? "POST" : "GET";
    const status = random() < 0.01 ? 503 : random() < 0.05 ? 404 : 200;
    const ms = Math.round(5 + random() * random() * 400);
    const line = `${new Date(start + i * 50).toISOString()} ${method} ${path} ${status} ${ms}ms`;
    yield i % 997 === 0 ? `${line.slice(0, 30)}\n` : `${line}\n`;
  }
}

const dir = await mkdtemp(join(tmpdir(), "weft-pipeline-"));
try {
  const file = join(dir, "access.log");
  await pipeline(Readable.from(accessLog()), createWriteStream(file));
  const { size } = await stat(file);
  console.log(`wrote ${totalLines.toLocaleString("en-US")} log lines (${(size / 1e6).toFixed(1)} MB)`);

  // A small read-ahead, to make the bound visible: at most 4,096 lines wait in the pool's buffer.
  const pool = await weft({ readAhead: 4096 });
  try {
    // How far reading runs ahead of the workers: lines read whose chunk has not come back yet.
    let read = 0;
    let processed = 0;
    let mostAhead = 0;
    pool.events.on("progress", (progress) => (processed = progress.done));
    async function* counted(lines: AsyncIterable<string>): AsyncGenerator<string> {
      for await (const line of lines) {
        read++;
        mostAhead = Math.max(mostAhead, read - processed);
        yield line;
      }
    }

    const start = performance.now();
    // #region pipeline
    // Take readline's iterator at once: a readline interface starts reading when it is created, and
    // lines it emits before anyone iterates are lost; its iterator keeps them, pausing the file.
    const reader = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
    const lines = reader[Symbol.asyncIterator]();
    const byRoute = await pool
      .from(counted(lines)) // read only as far ahead as the workers need
      .filter(isRequestLine) // on the workers: drop comments and cut lines
      .map(parseRequest) // on the workers: a line becomes { method, route, status, ms }
      .reduceByKey(routeOf, statsOf, addStats); // per chunk on the workers, then merged here
    // #endregion
    const seconds = (performance.now() - start) / 1000;

    console.log("route                          requests   mean ms   5xx");
    const rows = [...byRoute].sort(([, a], [, b]) => b[0] - a[0]);
    for (const [route, [requests, totalMs, errors]] of rows) {
      const mean = (totalMs / requests).toFixed(1);
      console.log(
        `${route.padEnd(28)} ${requests.toLocaleString("en-US").padStart(10)} ${mean.padStart(9)} ${String(errors).padStart(5)}`,
      );
    }
    const requests = rows.reduce((n, [, [count]]) => n + count, 0);
    console.log(
      `${requests.toLocaleString("en-US")} requests in ${seconds.toFixed(2)} s on ${pool.workers} workers; ` +
        `${(read - requests).toLocaleString("en-US")} other lines skipped`,
    );
    console.log(
      `memory stayed bounded: at most ${mostAhead.toLocaleString("en-US")} of the ` +
        `${read.toLocaleString("en-US")} lines were read and not yet processed ` +
        `(the read-ahead of 4,096, and the chunks in flight)`,
    );

    // The same tasks are plain functions: a loop on this thread gives the answer to check against.
    const expected = new Map<string, RouteStats>();
    for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
      if (!isRequestLine(line)) continue;
      const request = parseRequest(line);
      const key = routeOf(request);
      const seen = expected.get(key);
      expected.set(key, seen ? addStats(seen, statsOf(request)) : statsOf(request));
    }
    const agree =
      expected.size === byRoute.size &&
      [...expected].every(([route, stats]) => byRoute.get(route)?.join() === stats.join());
    console.log(`a plain loop over the file agrees: ${agree}`);
  } finally {
    await pool.close();
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
