// Parquet on a cluster: with a data root the pool and every `weft worker --data-root` share,
// writeParquet writes from the cluster's workers and readParquet reads there by row group (the
// format's settings, the row groups and the columns asked for pass the wire's checks), giving what
// the sequential backend gives.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { weft, type Pool } from "../../src/index.ts";
import { startCluster, type TestCluster } from "../support/cluster.ts";
import { checkLeaks } from "../support/leaks.ts";
import { workerSettings } from "./helpers.ts";

checkLeaks();

const root = mkdtempSync(join(tmpdir(), "weft-parquet-root-"));
after(() => rmSync(root, { recursive: true, force: true }));

const records = Array.from({ length: 2000 }, (_, i) => ({
  id: 2n ** 53n + BigInt(i),
  kind: ["a", "b", "c"][i % 3]!,
  score: i / 4,
  tags: [`t${i % 5}`],
  at: new Date(Date.UTC(2024, 0, 1) + i * 1000),
}));

describe("Parquet on a cluster with a shared data root", () => {
  let cluster: TestCluster;
  let pool: Pool;
  let sequential: Pool;
  before(async () => {
    cluster = await startCluster(2, { ...workerSettings, dataRoot: root });
    pool = await weft({ redis: cluster.redis.url, dataRoot: root });
    sequential = await weft({ backend: "sequential" });
  });
  after(async () => {
    await pool?.close();
    await sequential?.close();
    await cluster?.stop();
  });

  test("the workers write a partitioned dataset and read it back by row group, as the sequential backend does", async () => {
    const out = join(root, "scores");
    const written = await pool
      .from(records)
      .writeParquet(out, { partitionBy: ["kind"], compression: "zstd", rowGroupSize: 100 });
    assert.equal(written.records, records.length);
    assert.deepEqual(readdirSync(out).sort(), ["_SUCCESS", "kind=a", "kind=b", "kind=c"]);
    const byId = (a: { id: bigint }, b: { id: bigint }) => (a.id < b.id ? -1 : 1);
    const read = await pool.readParquet<(typeof records)[number]>(out).collect();
    assert.deepEqual(read.toSorted(byId), records);
    assert.deepEqual(read, await sequential.readParquet(out).collect());
    const projected = await pool
      .readParquet(out, { columns: ["id", "kind"], keepPartition: ({ kind }) => kind === "b" })
      .collect();
    assert.deepEqual(
      projected,
      await sequential
        .readParquet(out, { columns: ["id", "kind"], keepPartition: ({ kind }) => kind === "b" })
        .collect(),
    );
    assert.equal(projected.length, records.filter((r) => r.kind === "b").length);
  });
});
