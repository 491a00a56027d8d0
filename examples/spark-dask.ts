// weft and Dask on one dataset, as a mixed team would share it: weft writes orders partitioned by
// region (Hive-style region=... folders, part files, _SUCCESS), a Dask job reads them and runs weft's
// orderTotal task on each partition through integrations/python/weft_dask.py (`weft pipe`), Dask
// writes the totals, and weft reads what Dask wrote and sums them by region.
// Run it: `node --import tsx examples/spark-dask.ts` (needs Python 3 with dask and distributed:
// `apt-get install python3-dask python3-distributed python3-pandas`, or point WEFT_PYTHON at a Python
// that has them; it writes into a temp dir).
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { weft } from "../src/index.ts";
import { orderTotal, type Order } from "./order-tasks.ts";

const python = process.env.WEFT_PYTHON ?? "python3";
const daskJob = fileURLToPath(new URL("dask_orders.py", import.meta.url));
// How Dask's workers start weft: this checkout's bin here; `["npx", "--no-install", "weft"]` in a project.
const weftCommand = [process.execPath, fileURLToPath(new URL("../bin/weft.js", import.meta.url))];

const regions = ["north", "south", "east", "west"];
const orders: Order[] = Array.from({ length: 20_000 }, (_, id) => ({
  id,
  region: regions[(id * 7) % 4]!,
  quantity: 1 + (id % 9),
  cents: 99 + ((id * 37) % 5_000),
}));

const dir = await mkdtemp(join(tmpdir(), "weft-dask-"));
const pool = await weft({ backend: "threads" });
try {
  // #region write-for-dask
  const ordersDir = join(dir, "orders");
  const written = await pool
    .from(orders)
    .chunks({ minChunk: 5_000 }) // a part per chunk and region: 4 chunks, so 16 parts, 4 a region
    .writeJson(ordersDir, { partitionBy: ["region"] });
  console.log(`weft: ${written.records} orders in ${written.files.length} part files, by region`);
  // #endregion write-for-dask

  const totalsDir = join(dir, "totals");
  const { stdout } = await promisify(execFile)(python, [
    daskJob,
    ordersDir,
    totalsDir,
    JSON.stringify(weftCommand),
  ]);
  process.stdout.write(stdout);

  // #region read-from-dask
  const totals = await pool.readJson<{ region: string; total: number }>(totalsDir).reduceByKey(
    (t) => t.region,
    (t) => t.total,
    (a, b) => a + b,
  );
  // #endregion read-from-dask
  for (const region of [...totals.keys()].sort())
    console.log(`${region}: ${(totals.get(region)! / 100).toFixed(2)}`);

  // The same totals computed here, in one plain loop over the orders.
  const expected = new Map<string, number>();
  for (const order of orders) {
    const { region, total } = orderTotal(order);
    expected.set(region, (expected.get(region) ?? 0) + total);
  }
  const agree = totals.size === expected.size && [...totals].every(([r, cents]) => expected.get(r) === cents);
  console.log(`a plain loop agrees: ${agree}`);
} finally {
  await pool.close();
  await rm(dir, { recursive: true, force: true });
}
