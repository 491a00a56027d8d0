// Files larger than you would read in one process: the workers read them where they lie, by byte
// range, and write their results into a directory of part files. This thread only finds the files,
// cuts them into ranges and sums up small partials.
// Run it: `node --import tsx examples/large-data.ts` (it writes its logs into a temp dir).
import { createReadStream, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { gzipSync } from "node:zlib";
import { TaskError, weft } from "../src/index.ts";
import {
  add,
  addStats,
  countOf,
  isRequestLine,
  minuteOf,
  one,
  parseRequest,
  routeOf,
  statsOf,
} from "./log-tasks.ts";

const days = 3;
const linesPerDay = 40_000;
const routes = ["/products/7", "/products/42/reviews", "/cart", "/checkout", "/search?q=tea"];

/** One day of an access log, from a fixed seed: requests, and now and then a comment. */
function accessLog(day: number): string {
  let seed = 7 + day;
  const random = () => (seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
  const lines: string[] = [];
  for (let i = 0; i < linesPerDay; i++) {
    if (i % 1000 === 0) lines.push(`# day ${day}, hour ${i / 1000}`);
    const route = routes[Math.floor(random() * routes.length)]!;
    const status = random() < 0.02 ? 503 : 200;
    const time = new Date(Date.UTC(2024, 4, 1 + day) + i * 2000).toISOString();
    lines.push(
      `${time} ${route === "/checkout" ? "POST" : "GET"} ${route} ${status} ${Math.round(5 + random() * 300)}ms`,
    );
  }
  return `${lines.join("\n")}\n`;
}

const dir = await mkdtemp(join(tmpdir(), "weft-large-data-"));
try {
  // Two plain logs and one gzipped: a gzip file is read whole by one worker, the others by ranges.
  for (let day = 0; day < days; day++) {
    const text = accessLog(day);
    if (day === days - 1) writeFileSync(join(dir, `access-${day}.log.gz`), gzipSync(text));
    else writeFileSync(join(dir, `access-${day}.log`), text);
  }
  console.log(
    `wrote ${days} days of logs, ${(days * linesPerDay).toLocaleString("en-US")} requests, the last gzipped`,
  );

  const pool = await weft();
  try {
    // #region read-lines
    const stats = await pool
      .readLines(join(dir, "access-*.log*"))
      .filter(isRequestLine)
      .map(parseRequest)
      .reduceByKey(routeOf, statsOf, addStats);
    // #endregion read-lines
    for (const [route, [requests, , errors]] of [...stats].sort()) {
      console.log(`${route.padEnd(28)} ${String(requests).padStart(6)} requests, ${errors} errors`);
    }

    // The same count the plain way: one line at a time, on this thread.
    let plain = 0;
    for (let day = 0; day < days - 1; day++) {
      for await (const line of createInterface({ input: createReadStream(join(dir, `access-${day}.log`)) })) {
        if (!line.startsWith("#")) plain++;
      }
    }
    const weftCount = [...stats.values()].reduce((sum, [requests]) => sum + requests, 0);
    console.log(`a plain loop over the plain logs agrees: ${weftCount === plain + linesPerDay}`);

    // #region write-json
    const errors = join(dir, "errors");
    const written = await pool
      .readLines(join(dir, "access-*.log*"))
      .filter(isRequestLine)
      .map(parseRequest)
      .filter((request: { status: number }) => request.status >= 500)
      .writeJson(errors);
    console.log(`${written.records} errors in ${written.files.length} part files`);
    const again = await pool.readJson<{ route: string }>(errors).count();
    // #endregion write-json
    console.log(`read back from ${errors}: ${again} records, _SUCCESS written last`);

    // The same requests as CSV in one folder per status, as Spark's partitionBy lays them out.
    // #region partition-by
    const byStatus = join(dir, "by-status");
    await pool
      .readLines(join(dir, "access-*.log*"))
      .filter(isRequestLine)
      .map(parseRequest)
      .writeCsv(byStatus, { partitionBy: ["status"] });
    // by-status/status=200/part-00000-<token>.csv ... by-status/status=503/..., then _SUCCESS
    const failed = await pool.readCsv(byStatus, { keepPartition: (fields) => fields.status === 503 }).count();
    // #endregion partition-by
    console.log(`status=503 read back alone: ${failed} records, as many as the errors: ${failed === again}`);

    // Requests per minute: thousands of keys, counted on the workers by partition and sorted there,
    // so neither the counts nor the sort pass through this thread (budget tiny enough here to spill).
    const budgeted = await weft({ memoryBudgetMb: 0.05 });
    try {
      // #region partitions
      const perMinute = budgeted
        .readLines(join(dir, "access-*.log*"))
        .filter(isRequestLine)
        .reduceByKey(minuteOf, one, add, { partitions: 8 });
      const busiest: [string, number][] = [];
      for await (const pair of perMinute.sortBy(countOf, { descending: true })) {
        busiest.push(pair);
        if (busiest.length === 3) break; // leaving the loop cancels the rest
      }
      // #endregion partitions
      console.log(
        `${await perMinute.count()} minutes; the busiest: ${busiest.map(([m, n]) => `${m} (${n})`).join(", ")}`,
      );
    } finally {
      await budgeted.close();
    }

    // A task that throws on a line: the error names the file and the line.
    try {
      await pool
        .readLines(join(dir, "access-0.log"))
        .map((line: string) => {
          if (line.includes("hour 7")) throw new Error("unexpected comment");
          return line;
        })
        .count();
    } catch (error) {
      if (!(error instanceof TaskError)) throw error;
      console.log(
        `TaskError at ${error.file?.slice(dir.length + 1)}:${error.line}: ${(error.cause as Error).message}`,
      );
    }
  } finally {
    await pool.close();
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
