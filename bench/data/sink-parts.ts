// How many part files weft's sinks write, and how big, for records cheap to write: in-memory orders
// (20 thousand to a million, the records of examples/spark-dask.ts) and a generated access log read
// by byte range, each written by every sink with and without partitionBy, on threads, processes or a
// cluster (a private redis-server and two `weft worker` processes). Each write is read back and
// counted. Prints one row per write: parts, records per part (smallest, median, largest), MB and
// seconds. Nothing is published: this is the measure behind the sinks' chunk sizing
// (src/scheduler/chunking.ts, sinkChunkMs).
//
// Usage: npm run bench:data -- --sinks [--backend threads|processes|cluster]
//        [--orders 20000,100000,1000000 (0 for none)] [--log-gb 0.25 (0 for none)] [--dir D] [--quick]
// (on a cluster, the workers share the temporary folder with the pool: --dir must be inside it).
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { asyncBufferFromFile, parquetMetadataAsync } from "hyparquet";
import { weft, type Collection, type Pool, type WriteSummary } from "../../src/index.ts";
import { startCluster, type TestCluster } from "../../test/support/cluster.ts";
import { defaultDataDir, ensureData } from "./generate.ts";
import { requestOf } from "./sink-tasks.ts";

const { values: args } = parseArgs({
  options: {
    backend: { type: "string", default: "threads" },
    orders: { type: "string" },
    "log-gb": { type: "string" },
    dir: { type: "string", default: defaultDataDir },
    quick: { type: "boolean", default: false },
  },
});
const backend = args.backend;
if (!["threads", "processes", "cluster"].includes(backend))
  throw new Error("--backend must be threads, processes or cluster");
// --quick: the orders of the tests and examples, and a small log, unless given.
const orderCounts = (args.orders ?? (args.quick ? "20000,100000" : "20000,100000,1000000"))
  .split(",")
  .map(Number)
  .filter((count) => count > 0);
const logGb = Number(args["log-gb"] ?? (args.quick ? "0.05" : "0.25"));

const regions = ["north", "south", "east", "west"];
const ordersOf = (count: number) =>
  Array.from({ length: count }, (_, id) => ({
    id,
    region: regions[(id * 7) % 4]!,
    quantity: 1 + (id % 9),
    cents: 99 + ((id * 37) % 5_000),
  }));

type Sink = "writeLines" | "writeJson" | "writeCsv" | "writeParquet";

const root = mkdtempSync(join(tmpdir(), "weft-sink-parts-"));
let cluster: TestCluster | undefined;
let pool: Pool | undefined;
try {
  if (backend === "cluster") {
    const tasks = fileURLToPath(new URL("sink-tasks.ts", import.meta.url));
    // The workers' shared path: the temporary folder, which holds both the datasets and the log.
    cluster = await startCluster(2, { threads: 1, dataRoot: tmpdir(), modules: [tasks] });
    pool = await weft({ redis: cluster.redis.authUrl, dataRoot: tmpdir() });
  } else {
    pool = await weft({ backend: backend as "threads" | "processes", workers: 2 });
  }
  console.log(`backend ${backend}, 2 workers`);
  console.log(
    "input                       sink          partitionBy  parts  records/part min / median / max      MB   seconds",
  );

  const measure = async (
    input: string,
    sink: Sink,
    partitionBy: readonly string[] | undefined,
    items: () => Pick<Collection<unknown>, Sink>,
    records: number,
  ) => {
    const dir = join(root, `${sink}-${partitionBy ? "by" : "flat"}-${Date.now()}`);
    const options = partitionBy ? { partitionBy } : {};
    const started = performance.now();
    const written: WriteSummary = await items()[sink](dir, options);
    const seconds = (performance.now() - started) / 1000;
    if (written.records !== records) throw new Error(`${sink} wrote ${written.records} of ${records}`);
    const perPart = await Promise.all(
      written.files.map(async (file) => {
        const path = join(dir, file);
        if (sink !== "writeParquet") {
          const counted = await pool!.readLines(path).count();
          return sink === "writeCsv" ? counted - 1 : counted;
        }
        return Number((await parquetMetadataAsync(await asyncBufferFromFile(path))).num_rows);
      }),
    );
    const sorted = perPart.toSorted((a, b) => a - b);
    if (sorted.reduce((a, b) => a + b, 0) !== records) throw new Error(`${sink}: the parts do not add up`);
    const bytes = written.files.reduce((sum, file) => sum + statSync(join(dir, file)).size, 0);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    console.log(
      `${input.padEnd(28)}${sink.padEnd(14)}${(partitionBy?.join(",") ?? "-").padEnd(13)}${String(written.files.length).padStart(5)}  ` +
        `${`${sorted[0]} / ${median} / ${sorted.at(-1)}`.padEnd(30)}${(bytes / 1e6).toFixed(1).padStart(7)}  ${seconds.toFixed(2).padStart(7)}`,
    );
    rmSync(dir, { recursive: true, force: true });
  };

  const sinks: readonly Sink[] = ["writeJson", "writeCsv", "writeParquet", "writeLines"];
  for (const count of orderCounts) {
    const orders = ordersOf(count);
    for (const sink of sinks) {
      for (const partitionBy of [undefined, ["region"]]) {
        // writeLines writes a line a record: a text, or under partitionBy the one field left.
        const items =
          sink !== "writeLines"
            ? () => pool!.from(orders)
            : partitionBy
              ? () => pool!.from(orders.map(({ id, region }) => ({ region, id })))
              : () => pool!.from(orders.map(({ id }) => String(id)));
        await measure(`${count.toLocaleString("en-US")} orders`, sink, partitionBy, items, count);
      }
    }
  }
  if (logGb > 0) {
    const data = await ensureData({ seed: 1, gb: logGb, dir: args.dir });
    const input = `${logGb} GB log (${(data.lines / 1e6).toFixed(1)} M lines)`;
    const lines = () => pool!.readLines(data.log);
    await measure(input, "writeLines", undefined, lines, data.lines);
    const requests = () => pool!.readLines(data.log).map(requestOf);
    await measure(input, "writeParquet", undefined, requests, data.lines);
    await measure(input, "writeParquet", ["status"], requests, data.lines);
  }
} finally {
  await pool?.close();
  await cluster?.stop();
  rmSync(root, { recursive: true, force: true });
}
