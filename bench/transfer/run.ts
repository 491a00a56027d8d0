// `npm run bench:transfer`: a task on a worker thread returns a buffer of `--mb` megabytes (100 by
// default, an image): returned as it is it is cloned on the way back; marked with transfer() it is
// moved. Each is timed from the job's start to its result, against the task alone on this thread
// (what making the buffer costs). Runs are interleaved, after one warm-up each; medians are reported.
// Usage: npm run bench:transfer -- [--mb N] [--repeat N] [--publish]
import { parseArgs } from "node:util";
import { weft } from "../../src/index.ts";
import { median } from "../../src/scaling/analysis.ts";
import { commandLine, publish, publishedMeta } from "../../src/scaling/publish.ts";
import { renderCopied, renderMoved } from "./buffer-tasks.ts";
import type { TransferReport, TransferRow } from "./report.ts";

const { values } = parseArgs({
  options: {
    mb: { type: "string", default: "100" },
    repeat: { type: "string", default: "5" },
    publish: { type: "boolean", default: false },
  },
});
const megabytes = Number(values.mb);
const repeat = Number(values.repeat);
if (!Number.isInteger(megabytes) || megabytes < 1) throw new Error("--mb must be a positive integer");
if (!Number.isInteger(repeat) || repeat < 1) throw new Error("--repeat must be a positive integer");
const bytes = megabytes * 1e6;
const meta = publishedMeta(commandLine("npm run bench:transfer", process.argv.slice(2)), false);

const pool = await weft({ workers: 1 });
try {
  const check = (buffer: Uint8Array | undefined) => {
    if (buffer?.byteLength !== bytes)
      throw new Error(`a result of ${buffer?.byteLength} bytes, not ${bytes}`);
  };
  const contenders = [
    { name: "the task alone, on this thread", run: () => check(renderCopied(bytes)) },
    {
      name: "on a worker thread, returned as it is (cloned)",
      run: async () => check((await pool.from([bytes]).map(renderCopied).collect())[0]),
    },
    {
      name: "on a worker thread, marked with transfer() (moved)",
      run: async () => check((await pool.from([bytes]).map(renderMoved).collect())[0]),
    },
  ];
  const times = contenders.map(() => [] as number[]);
  for (let round = 0; round <= repeat; round++) {
    for (const [i, contender] of contenders.entries()) {
      const started = performance.now();
      await Promise.resolve(contender.run());
      // Round 0 warms the code and the worker: not counted.
      if (round > 0) times[i]!.push(performance.now() - started);
    }
  }
  const rows: TransferRow[] = contenders.map(({ name }, i) => ({
    name,
    medianMs: median(times[i]!),
    minMs: Math.min(...times[i]!),
    maxMs: Math.max(...times[i]!),
  }));
  const report: TransferReport = { meta: { ...meta, repeat, megabytes }, rows };
  console.log(`a task returns ${megabytes} MB; medians of ${repeat} runs`);
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(52)} ${r.medianMs.toFixed(1).padStart(8)} ms  (${r.minMs.toFixed(1)} to ${r.maxMs.toFixed(1)})`,
    );
  }
  if (values.publish)
    console.error(`published ${publish("transfer.json", report)}; now run npm run docs:results`);
} finally {
  await pool.close();
}
