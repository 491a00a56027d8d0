// Parquet both ways: the workers write a dataset partitioned by year, a row group at a time, and read
// it back a row group per unit of work, only the columns asked for and only the year kept. This
// thread reads the files' footers, never their data.
// Run it: `node --import tsx examples/parquet.ts` (it writes into a temp dir).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { weft } from "../src/index.ts";

const dir = await mkdtemp(join(tmpdir(), "weft-parquet-"));
const items = ["tea", "cake", "jam"];
const sales = Array.from({ length: 60_000 }, (_, i) => ({
  id: 2n ** 53n + BigInt(i), // past 2^53: a number would round it, a bigint keeps it
  item: items[i % 3]!,
  amount: (i % 100) / 4,
  year: 2023 + (i % 2),
  at: new Date(Date.UTC(2024, 0, 1) + i * 60_000),
}));

const pool = await weft({ backend: "threads" });
try {
  // #region write-parquet
  const sink = join(dir, "sales");
  const written = await pool
    .from(sales)
    .chunks({ minChunk: 20_000 }) // a part file per chunk (and year): parts of 10,000 rows each
    .writeParquet(sink, { partitionBy: ["year"], compression: "zstd", rowGroupSize: 10_000 });
  console.log(`wrote ${written.records} rows into ${written.files.length} files`);
  // #endregion write-parquet

  // #region read-parquet
  const in2024 = pool.readParquet<{ id: bigint; amount: number }>(sink, {
    columns: ["id", "amount"],
    keepPartition: ({ year }) => year === 2024,
  });
  const total = await in2024.map((sale) => sale.amount).reduce((a, b) => a + b, 0);
  const lastId = await in2024.map((sale) => sale.id).reduce((a, b) => (a > b ? a : b));
  console.log(`2024: ${total} in total, last id ${lastId}`);
  // #endregion read-parquet

  const expected = sales.filter((s) => s.year === 2024).reduce((sum, s) => sum + s.amount, 0);
  console.log(`a plain loop agrees: ${total === expected && lastId === sales.at(-1)!.id}`);
} finally {
  await pool.close();
  await rm(dir, { recursive: true, force: true });
}
