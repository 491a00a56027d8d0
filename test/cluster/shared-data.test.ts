// Files on a cluster: with a data root that the pool and every `weft worker --data-root` share, file
// sources, sinks and keyed operations with partitions run on the cluster's workers and give what the
// sequential backend gives; only paths relative to the root travel through Redis. A word count over
// a file many times the memory budget spills on the workers and is exact. Paths that leave the root,
// files outside it, and workers started without one are refused, saying what to do.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { serialize } from "node:v8";
import { decodeReply } from "../../src/backends/redis/wire.ts";
import { weft, type Pool } from "../../src/index.ts";
import { add, theWord, kOf, nOfPair, one, wordCountOf, wordsOf, type Row } from "../fixtures/keyed-tasks.ts";
import { fixtureModules, startCluster, type TestCluster } from "../support/cluster.ts";
import { checkLeaks } from "../support/leaks.ts";
import { adminClient, chunkMessage, sendChunk, workerSettings } from "./helpers.ts";

checkLeaks();

const keyedModule = new URL("../fixtures/keyed-tasks.ts", import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), "weft-data-root-"));
after(() => rmSync(root, { recursive: true, force: true }));

/** Lines of words from a fixed seed: about 400 KB, with a few thousand distinct words. */
function textOfWords(lines: number): string {
  let seed = 11;
  const random = () => (seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const words = Array.from({ length: 8 }, () => `w${Math.floor(random() ** 2 * 5000)}`);
    out.push(words.join(" "));
  }
  return `${out.join("\n")}\n`;
}

describe("files on a cluster with a shared data root", () => {
  let cluster: TestCluster;
  let pool: Pool;
  let sequential: Pool;
  const data = join(root, "data");
  const logPath = join(data, "words.txt");
  before(async () => {
    mkdirSync(data);
    writeFileSync(logPath, textOfWords(10_000));
    cluster = await startCluster(2, {
      ...workerSettings,
      modules: [...fixtureModules, keyedModule],
      dataRoot: root,
    });
    // A budget of 64 KB, against a file of about 400 KB: every worker spills.
    pool = await weft({ redis: cluster.redis.url, dataRoot: root, memoryBudgetMb: 1 / 16 });
    sequential = await weft({ backend: "sequential" });
  });
  after(async () => {
    await pool?.close();
    await sequential?.close();
    await cluster?.stop();
  });

  test(
    "a word count by partition over a file several times the budget is the sequential one",
    { timeout: 60_000 },
    async () => {
      const count = (p: Pool) =>
        p
          .readLines(logPath, { rangeBytes: 16_384 })
          .flatMap(wordsOf)
          .reduceByKey(theWord, one, add, { partitions: 4 });
      const onCluster = new Map(await count(pool).collect());
      const expected = await sequential.readLines(logPath).flatMap(wordsOf).reduceByKey(theWord, one, add);
      assert.deepEqual(onCluster, expected);
      assert.deepEqual(readdirSync(join(root, ".weft-spill")), [], "the shuffle's folder is gone");
    },
  );

  test(
    "sortBy and a sink: the sorted counts written by the workers read back in order",
    { timeout: 60_000 },
    async () => {
      const out = join(data, "sorted");
      const summary = await pool
        .readLines(logPath, { rangeBytes: 16_384 })
        .flatMap(wordsOf)
        .reduceByKey(theWord, one, add, { partitions: 3 })
        .sortBy(wordCountOf, { descending: true, partitions: 3 })
        .writeJson(out);
      const back = await sequential.readJson<[string, number]>(out).collect();
      assert.equal(back.length, summary.records);
      const counts = back.map(([, n]) => n);
      assert.deepEqual(
        counts,
        [...counts].sort((a, b) => b - a),
      );
      assert.ok(readdirSync(out).includes("_SUCCESS"));
    },
  );

  test(
    "writeCsv with partitionBy: the workers' parts, moved into their folders, read back as the records",
    { timeout: 60_000 },
    async () => {
      const out = join(data, "by-parity");
      const records = Array.from({ length: 600 }, (_, n) => ({ n, parity: n % 2 === 0 ? "even" : "odd/x" }));
      const summary = await pool
        .from(records)
        .chunks({ maxChunk: 100 })
        .writeCsv(out, { partitionBy: ["parity"] });
      assert.deepEqual(readdirSync(out).sort(), ["_SUCCESS", "parity=even", "parity=odd%2Fx"]);
      assert.equal(summary.records, records.length);
      const back = await sequential.readCsv<{ n: string; parity: string }>(out).collect();
      assert.deepEqual(
        back.map(({ n, parity }) => ({ n: Number(n), parity })).sort((a, b) => a.n - b.n),
        records,
      );
    },
  );

  test("a worker's report of a sink's parts names only an attempt's folder and part paths", () => {
    const outcome = (partial: unknown) => ({ ok: true, partial, failures: [], startedAt: 1, endedAt: 2 });
    const reply = (partial: unknown) => {
      try {
        const payload = serialize({ kind: "outcome", outcome: outcome(partial) }).toString("base64");
        return decodeReply(payload, "write").kind;
      } catch (error) {
        return (error as Error).message.includes("its partial result is not what write combines")
          ? "refused"
          : (error as Error).message;
      }
    };
    const file = (path: string) => ({ path, records: 1, bytes: 2 });
    assert.equal(reply({ attempt: "00003-0a1b", files: [file("k=a/part-00003-0a1b2c.csv")] }), "outcome");
    assert.equal(reply({ attempt: undefined, files: [] }), "outcome");
    for (const bad of [
      { attempt: "../x", files: [] },
      { attempt: "00003-0a1b", files: [file("../part-00003-0a1b2c.csv")] },
      { attempt: "00003-0a1b", files: [file("k=a/../../part-00003-0a1b2c.csv")] },
      { attempt: "00003-0a1b", files: [file("/etc/part-00003-0a1b2c.csv")] },
      { attempt: "00003-0a1b", files: [file("k=a/passwd")] },
      { attempt: undefined, files: [file("part-00003-0a1b2c.csv")] },
    ])
      assert.equal(reply(bad), "refused", JSON.stringify(bad));
  });

  test("a join of two collections on the cluster equals the plain one", { timeout: 60_000 }, async () => {
    const rows = (n: number, mod: number): Row[] =>
      Array.from({ length: n }, (_, at) => ({ k: `k${at % mod}`, n: at, at }));
    const left = rows(300, 17);
    const right = rows(200, 23);
    const pairs = await pool
      .from(left)
      .join(pool.from(right), kOf, kOf, { partitions: 4 })
      .map(nOfPair)
      .collect();
    const expected: string[] = [];
    for (const a of left) for (const b of right) if (a.k === b.k) expected.push(`${a.n}-${b.n}`);
    assert.deepEqual([...pairs].sort(), expected.sort());
  });

  test(
    "a file outside the data root is refused before any worker opens it",
    { timeout: 30_000 },
    async () => {
      const outside = mkdtempSync(join(tmpdir(), "weft-outside-"));
      try {
        writeFileSync(join(outside, "x.txt"), "a\n");
        await assert.rejects(
          pool.readLines(join(outside, "x.txt")).count(),
          /is not under the cluster's data root/,
        );
      } finally {
        rmSync(outside, { recursive: true, force: true });
      }
    },
  );

  test("a chunk whose path leaves the data root is refused by the worker", { timeout: 30_000 }, async () => {
    await using admin = await adminClient(cluster.redis.url);
    const nRef = { kind: "module", url: "weft-cluster:keyed-tasks.nOf", index: 0, name: "nOf" };
    const data = chunkMessage(nRef, {
      terminal: { op: "count" },
      input: {
        kind: "file",
        format: { type: "lines" },
        ranges: [{ path: "../../../etc/passwd", start: 0, end: 100, gzip: false }],
      },
    });
    const chunk = { id: "test-escape", ...data };
    const reply = (await sendChunk(admin, chunk)) as ReturnType<typeof decodeReply>;
    assert.equal(reply.kind, "error", "the worker read a file outside its data root");
    assert.match(reply.kind === "error" ? reply.message : "", /a path that leaves the data root/);
  });
});

describe("a cluster whose workers have no data root", () => {
  test("refuses a job with files, saying how to start the workers", { timeout: 60_000 }, async () => {
    await using cluster = await startCluster(1, workerSettings);
    const dir = mkdtempSync(join(root, "no-root-"));
    writeFileSync(join(dir, "x.txt"), "a\nb\n");
    await using pool = await weft({ redis: cluster.redis.url, dataRoot: root });
    await assert.rejects(pool.readLines(join(dir, "x.txt")).count(), /started without --data-root/);
  });

  test("a pool without a dataRoot refuses files at once", { timeout: 30_000 }, async () => {
    await using cluster = await startCluster(1, workerSettings);
    await using pool = await weft({ redis: cluster.redis.url });
    assert.throws(() => pool.readLines(join(root, "x.txt")), /weft\(\{ redis, dataRoot \}\)/);
  });
});
