// `npm run bench:io`: I/O-bound work. A job of `--calls` calls to a local HTTP service that answers
// each after `--delay` ms, on a pool of `--workers` threads each running `--concurrency` calls of a
// chunk at once, against the ideal (calls × delay / (workers × concurrency)) and against p-map on
// the main thread keeping as many calls in flight. Runs are interleaved, after one warm-up each;
// medians are reported.
// Usage: npm run bench:io -- [--calls N] [--delay MS] [--workers N] [--concurrency N] [--repeat N] [--publish]
import { fork } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pMap from "p-map";
import { weft } from "../../src/index.ts";
import { median } from "../../src/scaling/analysis.ts";
import { commandLine, publish, publishedMeta } from "../../src/scaling/publish.ts";
import { fetchItem, fetchItemTask } from "./io-tasks.ts";
import type { IoContender, IoReport } from "./report.ts";

const { values } = parseArgs({
  options: {
    calls: { type: "string", default: "10000" },
    delay: { type: "string", default: "20" },
    workers: { type: "string", default: "2" },
    concurrency: { type: "string", default: "50" },
    repeat: { type: "string", default: "3" },
    publish: { type: "boolean", default: false },
  },
});
const number = (name: keyof typeof values) => {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
};
const [calls, delayMs, workers, concurrency, repeat] = (
  ["calls", "delay", "workers", "concurrency", "repeat"] as const
).map(number) as [number, number, number, number, number];
const inFlight = workers * concurrency;
const idealMs = (calls * delayMs) / inFlight;
const meta = publishedMeta(commandLine("npm run bench:io", process.argv.slice(2)), false);

const server = fork(fileURLToPath(new URL("./slow-server.ts", import.meta.url)), [String(delayMs)], {
  execArgv: ["--import", "tsx"],
  stdio: ["ignore", "pipe", "inherit", "ipc"],
});
try {
  const [port] = (await once(server.stdout!, "data")) as [Buffer];
  process.env.WEFT_IO_BENCH_URL = `http://127.0.0.1:${String(port).trim()}`;
  const ids = Array.from({ length: calls }, (_, i) => i);
  const pool = await weft({ workers });
  try {
    const contenders: { name: string; run: () => Promise<number> }[] = [
      {
        name: "weft",
        run: async () => {
          const lengths = await pool.from(ids).map(fetchItemTask).options({ concurrency }).collect();
          return lengths.length;
        },
      },
      {
        name: "p-map (main thread)",
        run: async () => (await pMap(ids, fetchItem, { concurrency: inFlight })).length,
      },
    ];
    const times = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
    for (let round = 0; round <= repeat; round++) {
      for (const contender of contenders) {
        const started = performance.now();
        const done = await contender.run();
        const ms = performance.now() - started;
        if (done !== calls) throw new Error(`${contender.name} answered ${done} of ${calls} calls`);
        // Round 0 warms connections, code and the server: not counted.
        if (round > 0) times.get(contender.name)!.push(ms);
      }
    }
    const results: IoContender[] = contenders.map(({ name }) => {
      const ms = times.get(name)!;
      return { name, inFlight, medianMs: median(ms), minMs: Math.min(...ms), maxMs: Math.max(...ms) };
    });
    const report: IoReport = {
      meta: { ...meta, repeat, calls, delayMs, workers, concurrency },
      idealMs,
      contenders: results,
    };
    console.log(
      `${calls.toLocaleString("en-US")} calls answered after ${delayMs} ms each, ${inFlight} in flight ` +
        `(${workers} workers × ${concurrency}); ideal ${idealMs.toFixed(0)} ms; medians of ${repeat} runs`,
    );
    console.log(
      `${"contender".padEnd(22)} ${"median ms".padStart(10)} ${"range".padStart(14)} ${"ideal/time".padStart(10)}`,
    );
    for (const r of results) {
      const range = `${r.minMs.toFixed(0)}-${r.maxMs.toFixed(0)}`;
      const efficiency = `${((100 * idealMs) / r.medianMs).toFixed(0)}%`;
      console.log(
        `${r.name.padEnd(22)} ${r.medianMs.toFixed(0).padStart(10)} ${range.padStart(14)} ${efficiency.padStart(10)}`,
      );
    }
    if (values.publish)
      console.error(`published ${publish("io.json", report)}; now run npm run docs:results`);
  } finally {
    await pool.close();
  }
} finally {
  server.disconnect();
  if (server.exitCode === null) await once(server, "exit");
}
