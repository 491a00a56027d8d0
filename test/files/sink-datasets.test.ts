// Datasets as Spark writes them, written by weft: writeCsv (a header a part, quoted as RFC 4180) and
// partitionBy (Hive's `field=value/` folders, values escaped as Spark escapes them, the fields out
// of the files), read back by readJson and readCsv equal to what was written, whatever the records,
// the chunks and the workers; few parts for many cheap records, a worker's death included; and the
// items and options a sink refuses, named.
import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import { after, describe, test } from "node:test";
import fc from "fast-check";
import {
  OptionError,
  TaskError,
  weft,
  type Collection,
  type Pool,
  type SinkOptions,
  type WeftOptions,
} from "../../src/index.ts";
import { hiveFolder } from "../../src/protocol/sinks.ts";
import { sinkSplit } from "../../src/scheduler/chunking.ts";
import { exitsOnFirstCrashLine } from "../fixtures/file-tasks.ts";
import { square } from "../fixtures/tasks.ts";
import { startCluster } from "../support/cluster.ts";

const root = mkdtempSync(join(tmpdir(), "weft-sink-datasets-"));
after(() => rmSync(root, { recursive: true, force: true }));
const freshDirectory = () => mkdtempSync(join(root, "run-"));

/** Every file under `dir`, as `/`-separated paths, sorted. */
const filesUnder = (dir: string) =>
  readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((path) => statSync(join(dir, path)).isFile())
    .map((path) => path.split(sep).join("/"))
    .sort();

/** A record as one text whatever the order of its fields, to compare collections as multisets. */
const canonical = (record: object) =>
  JSON.stringify(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
const asMultiset = (records: readonly object[]) => records.map(canonical).sort();

interface Row {
  readonly n: number;
  readonly s: string | null;
  readonly k?: string | null;
  readonly j?: number | null;
}

/**
 * Partition values whose text a folder must escape, and some it must not: none reads as a number,
 * so each comes back as the text it was (numbers are `j`'s).
 */
const keyValues = ["a", "b/c", "x=y", "50%", "tab\there", "new\nline", "é ü", " sp", "..", "#?*[]", "q'\""];

const rowArb: fc.Arbitrary<Row> = fc.record(
  {
    n: fc.integer({ min: -1000, max: 1000 }),
    s: fc.option(fc.string({ unit: fc.constantFrom("a", ",", '"', "\n", "é", " "), maxLength: 5 })),
    k: fc.option(fc.oneof(fc.constantFrom(...keyValues), fc.constant(""))),
    j: fc.option(fc.integer({ min: -3, max: 3 })),
  },
  { requiredKeys: ["n", "s"] },
);

/**
 * What a reader gives back for `row` written partitioned by `fields`: each partition field from its
 * folder (null for the default partition: a missing, null or empty value), and with `csv` every other
 * value as text (null as an empty one), as readCsv reads a CSV.
 */
function readBack(row: Row, fields: readonly string[], csv: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    if (fields.includes(key)) continue;
    out[key] = csv ? (value === null ? "" : String(value)) : value;
  }
  for (const field of fields) {
    const value = row[field as keyof Row];
    out[field] = value === undefined || value === "" ? null : value;
  }
  return out;
}

const backends: readonly { name: string; options: WeftOptions }[] = [
  { name: "sequential", options: { backend: "sequential" } },
  { name: "threads, 1 worker", options: { backend: "threads", workers: 1 } },
  { name: "threads, 2 workers", options: { backend: "threads", workers: 2 } },
  { name: "threads, 3 workers", options: { backend: "threads", workers: 3 } },
];
const pools = new Map<string, Promise<Pool>>();
const poolOf = (options: WeftOptions) => {
  const key = JSON.stringify(options);
  let pool = pools.get(key);
  if (!pool) pools.set(key, (pool = weft(options)));
  return pool;
};
after(async () => {
  for (const pool of pools.values()) await (await pool).close();
});

describe("partitionBy and writeCsv read back as written", () => {
  test("writeJson and writeCsv, partitioned or not, read back as the records, on any backend, chunking and workers", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(rowArb, { maxLength: 40 }),
        fc.constantFrom<readonly string[]>([], ["k"], ["j"], ["k", "j"], ["j", "k"]),
        // Chunks of at most 1 to 8 records, or as the sinks size them.
        fc.option(fc.integer({ min: 1, max: 8 }), { nil: Infinity }),
        fc.constantFrom(...backends),
        async (rows, fields, maxChunk, backend) => {
          const pool = await poolOf(backend.options);
          const dir = freshDirectory();
          try {
            const options = fields.length > 0 ? { partitionBy: fields } : {};
            const json = join(dir, "json");
            const summary = await pool.from(rows).chunks({ maxChunk }).writeJson(json, options);
            assert.deepEqual(
              asMultiset(await pool.readJson<object>(json).collect()),
              asMultiset(rows.map((row) => readBack(row, fields, false))),
            );
            assert.deepEqual(
              summary.files,
              filesUnder(json).filter((path) => path !== "_SUCCESS"),
            );
            assert.equal(summary.records, rows.length);

            // A CSV dataset has one set of columns: the fields that are not partition fields are null where missing.
            const complete = rows.map((row) => ({
              ...Object.fromEntries(["k", "j"].filter((f) => !fields.includes(f)).map((f) => [f, null])),
              ...row,
            }));
            const csv = join(dir, "csv");
            await pool.from(complete).chunks({ maxChunk }).writeCsv(csv, options);
            // Quoted fields here hold line breaks: each file is read whole, from its header down.
            assert.deepEqual(
              asMultiset(await pool.readCsv<object>(csv, { split: false }).collect()),
              asMultiset(complete.map((row) => readBack(row, fields, true))),
            );
          } finally {
            rmSync(dir, { recursive: true, force: true });
          }
        },
      ),
      { seed: 2020, numRuns: 40 },
    );
  });

  test("folders are named as Spark names them, one part per chunk in each, without the partition fields", async () => {
    const pool = await poolOf({ backend: "threads", workers: 2 });
    const dir = join(freshDirectory(), "out");
    const values = ["b/c", "x=y", "50%", "new\nline", "", null, "é ü", "a:b\\c"];
    const records = values.flatMap((k, at) => [
      { k, at },
      { k, at: at + 100 },
    ]);
    records.push({ at: 999 } as { k: string; at: number });
    const summary = await pool
      .from(records)
      .chunks({ maxChunk: 3 })
      .writeJson(dir, { partitionBy: ["k"] });
    const folders = readdirSync(dir)
      .filter((name) => name !== "_SUCCESS")
      .sort();
    assert.deepEqual(folders, [
      "k=50%25",
      "k=__HIVE_DEFAULT_PARTITION__",
      "k=a%3Ab%5Cc",
      "k=b%2Fc",
      "k=new%0Aline",
      "k=x%3Dy",
      "k=é ü",
    ]);
    assert.equal(hiveFolder("k", "#"), "k=%23");
    assert.equal(hiveFolder("a=b", 1.5), "a%3Db=1.5");
    assert.equal(hiveFolder("k", true), "k=true");
    for (const path of summary.files) {
      assert.match(path, /^k=[^/]+\/part-\d{5}-[0-9a-f]{16}\.ndjson$/);
      for (const line of readFileSync(join(dir, path), "utf8").trim().split("\n"))
        assert.deepEqual(
          Object.keys(JSON.parse(line) as object),
          ["at"],
          "the partition field is not in the file",
        );
    }
    // Two records a value, in chunks of three: a folder holds one part for each chunk that had its records.
    const folderOf = (path: string) => path.split("/")[0];
    const partsPerFolder = folders.map(
      (folder) => summary.files.filter((path) => folderOf(path) === folder).length,
    );
    assert.ok(partsPerFolder.includes(2), "a value spread over two chunks has a part from each");
    assert.deepEqual(
      (await pool.readJson<{ k: unknown; at: number }>(dir).collect()).sort((a, b) => a.at - b.at),
      records
        .map(({ k, at }) => ({ at, k: k === "" || k === undefined ? null : k }))
        .sort((a, b) => a.at - b.at),
    );
  });

  test("writeLines with partitionBy writes the one field left as the line, as Spark's text writer does", async () => {
    const pool = await poolOf({ backend: "threads", workers: 2 });
    const dir = join(freshDirectory(), "logs");
    const logs = [
      { level: "error", line: "disk full" },
      { level: "info", line: "started" },
      { level: "error", line: "no route" },
    ];
    await pool.from(logs).writeLines(dir, { partitionBy: ["level"] });
    assert.deepEqual(await pool.readLines(join(dir, "level=error")).collect(), ["disk full", "no route"]);
    assert.deepEqual(await pool.readLines(join(dir, "level=info")).collect(), ["started"]);
    await assert.rejects(
      pool
        .from([{ level: "error", line: "x", more: 1 }])
        .writeLines(join(dir, "..", "two"), { partitionBy: ["level"] }),
      (error: unknown) =>
        error instanceof TaskError && /writes the one field left.*2 \(line, more\)/.test(error.message),
    );
  });

  test("writeCsv writes a header in each part and values as their text; readCsv reads them back", async () => {
    const pool = await poolOf({ backend: "threads", workers: 2 });
    const dir = join(freshDirectory(), "csv");
    const records = Array.from({ length: 9 }, (_, at) => ({
      at,
      name: ["plain", "with,comma", 'with "quotes"', "", "é"][at % 5],
      ok: at % 2 === 0,
      when: new Date(Date.UTC(2024, 0, at + 1)),
      none: null,
      big: 10n ** 20n + BigInt(at),
    }));
    const summary = await pool.from(records).chunks({ minChunk: 4, maxChunk: 4 }).writeCsv(dir);
    assert.equal(summary.files.length, 3);
    for (const path of summary.files) {
      assert.match(path, /^part-\d{5}-[0-9a-f]{16}\.csv$/);
      assert.equal(readFileSync(join(dir, path), "utf8").split("\n")[0], "at,name,ok,when,none,big");
    }
    assert.match(
      readFileSync(join(dir, summary.files[0]!), "utf8"),
      /^1,"with,comma",false,2024-01-02T00:00:00.000Z,,100000000000000000001$/m,
    );
    assert.deepEqual(
      await pool.readCsv(dir).collect(),
      records.map((r) => ({
        at: String(r.at),
        name: r.name,
        ok: String(r.ok),
        when: r.when.toISOString(),
        none: "",
        big: String(r.big),
      })),
    );
    const tabs = join(freshDirectory(), "tabs");
    await pool.from([{ a: "x\ty", b: 1 }]).writeCsv(tabs, { delimiter: "\t" });
    assert.deepEqual(await pool.readCsv(tabs, { delimiter: "\t" }).collect(), [{ a: "x\ty", b: "1" }]);
  });
});

test("a chunk writing into more folders than it keeps files open appends to each part in turn", async () => {
  const pool = await poolOf({ backend: "threads", workers: 2 });
  const dir = freshDirectory();
  // 40 folders, more than the files a chunk keeps open, and a flush after every range read.
  const records = Array.from({ length: 3000 }, (_, n) => ({ n, k: `v${n % 40}` }));
  const input = join(dir, "in.ndjson");
  writeFileSync(input, records.map((r) => JSON.stringify(r)).join("\n"));
  const out = join(dir, "out");
  const summary = await pool
    .readJson(input, { rangeBytes: 2048 })
    .chunks({ minChunk: 1000, maxChunk: 1000 })
    .writeJson(out, { partitionBy: ["k"] });
  assert.equal(summary.files.length, 40, "one chunk: one part a folder");
  assert.deepEqual(asMultiset(await pool.readJson<object>(out).collect()), asMultiset(records));
});

describe("a sink of cheap records writes few parts", () => {
  // 20,000 orders, a few µs each to write: sized by time alone, at 40 ms a chunk, they made about 130
  // parts, and 450 by region. A sink's chunks are a thousand records before anything is measured (one
  // each for the workers' two slots), then a quarter of a worker's share of the job (chunking.ts).
  const regions = ["north", "south", "east", "west"];
  const orders = Array.from({ length: 20_000 }, (_, id) => ({
    id,
    region: regions[(id * 7) % 4]!,
    cents: 99 + ((id * 37) % 5_000),
  }));
  const workers = 2;
  const mostChunks = 2 * workers + sinkSplit * workers;
  // Records that a task runs on before the sink probe one at a time (chunking.ts: a costly task must
  // not start in a batch of a thousand), and the chunks sized while a probe's time is mostly its part's
  // creation may be small too: two more rounds of the workers' two slots.
  const mostChunksAfterATask = mostChunks + 2 * (2 * workers);
  const sinks = [
    {
      name: "writeJson",
      write: (items: Collection<(typeof orders)[number]>, dir: string, options: SinkOptions) =>
        items.writeJson(dir, options),
      read: (pool: Pool, dir: string) => pool.readJson<object>(dir).collect(),
      asWritten: (order: (typeof orders)[number]) => order as object,
    },
    {
      name: "writeCsv",
      write: (items: Collection<(typeof orders)[number]>, dir: string, options: SinkOptions) =>
        items.writeCsv(dir, options),
      read: (pool: Pool, dir: string) => pool.readCsv<object>(dir).collect(),
      asWritten: ({ id, region, cents }: (typeof orders)[number]) => ({
        id: String(id),
        region,
        cents: String(cents),
      }),
    },
    {
      name: "writeParquet",
      write: (items: Collection<(typeof orders)[number]>, dir: string, options: SinkOptions) =>
        items.writeParquet(dir, options),
      read: (pool: Pool, dir: string) => pool.readParquet<object>(dir).collect(),
      asWritten: (order: (typeof orders)[number]) => order as object,
    },
  ];
  for (const backend of ["threads", "processes"] as const) {
    test(`every sink, with and without partitionBy, on ${backend}: at most ${mostChunks} parts a folder, read back exactly`, async () => {
      const pool = await poolOf({ backend, workers });
      const dir = freshDirectory();
      try {
        for (const sink of sinks) {
          const flat = join(dir, `${sink.name}-flat`);
          const writers = new Set<number>();
          const onChunk = ({ worker }: { worker: number }) => writers.add(worker);
          pool.events.on("chunk", onChunk);
          const written = await sink.write(pool.from(orders), flat, {}).finally(() => {
            pool.events.off("chunk", onChunk);
          });
          assert.ok(written.files.length <= mostChunks, `${sink.name}: ${written.files.length} parts`);
          assert.equal(writers.size, workers, `${sink.name}: every worker wrote`);
          // Name order is the collection's order.
          assert.deepEqual(await sink.read(pool, flat), orders.map(sink.asWritten), sink.name);

          const byRegion = join(dir, `${sink.name}-by-region`);
          const partitioned = await sink.write(pool.from(orders), byRegion, { partitionBy: ["region"] });
          assert.ok(
            partitioned.files.length <= mostChunks * regions.length,
            `${sink.name} by region: ${partitioned.files.length} parts`,
          );
          assert.deepEqual(
            asMultiset(await sink.read(pool, byRegion)),
            asMultiset(orders.map(sink.asWritten)),
            `${sink.name} by region`,
          );
        }
        const lines = join(dir, "lines");
        const text = orders.map(({ id }) => `order ${id}`);
        const written = await pool.from(text).writeLines(lines);
        assert.ok(written.files.length <= mostChunks, `writeLines: ${written.files.length} parts`);
        assert.deepEqual(await pool.readLines(lines).collect(), text);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  test("on a cluster of two worker processes sharing a data root: as few parts a slot, read back exactly", async () => {
    const shared = freshDirectory();
    await using cluster = await startCluster(2, { threads: 1, dataRoot: shared });
    await using pool = await weft({ redis: cluster.redis.url, dataRoot: shared });
    const flat = join(shared, "flat");
    const slots = new Set<number>();
    const onChunk = ({ worker }: { worker: number }) => slots.add(worker);
    pool.events.on("chunk", onChunk);
    const written = await pool
      .from(orders)
      .writeJson(flat)
      .finally(() => pool.events.off("chunk", onChunk));
    // A cluster's workers are its slots, two a thread: the bound of threads, counted in slots.
    const most = 2 * pool.workers + sinkSplit * pool.workers;
    assert.ok(written.files.length <= most, `${written.files.length} parts, more than ${most}`);
    assert.ok(slots.size >= 2, "more than one slot wrote");
    assert.deepEqual(await pool.readJson(flat).collect(), orders);
    const byRegion = join(shared, "by-region");
    const partitioned = await pool.from(orders).writeJson(byRegion, { partitionBy: ["region"] });
    assert.ok(partitioned.files.length <= most * regions.length, `${partitioned.files.length} parts`);
    assert.deepEqual(asMultiset(await pool.readJson<object>(byRegion).collect()), asMultiset(orders));
  });

  test("a worker that dies mid-chunk: its chunk runs again, and the sink still has few parts, each record once", async () => {
    await using pool = await weft({ backend: "threads", workers });
    const dir = freshDirectory();
    const out = join(dir, "out");
    mkdirSync(out);
    const lines = orders.map(({ id }) => `order ${id}`);
    lines[15_000] = `crash ${join(dir, "crashed")} ${out}`;
    const written = await pool.from(lines).map(exitsOnFirstCrashLine).writeLines(out);
    assert.ok(existsSync(join(dir, "crashed")), "a worker died");
    assert.ok(written.files.length <= mostChunksAfterATask, `${written.files.length} parts`);
    assert.deepEqual(await pool.readLines(out).collect(), lines, "every line once, in order");
    assert.deepEqual(
      readdirSync(out).sort(),
      [...written.files, "_SUCCESS"].sort(),
      "no temporary file is left",
    );
    rmSync(dir, { recursive: true, force: true });
  });

  test("records a task runs on first probe one at a time: a costly task never starts in a batch", async () => {
    await using pool = await weft({ backend: "threads", workers });
    const out = join(freshDirectory(), "out");
    const sizes: number[] = [];
    const onChunk = ({ items }: { items: number }) => sizes.push(items);
    pool.events.on("chunk", onChunk);
    const written = await pool
      .range(0, 2_000)
      .map(square)
      .writeLines(out)
      .finally(() => pool.events.off("chunk", onChunk));
    assert.ok(sizes.length > 0 && sizes[0] === 1, `the first chunk held ${sizes[0]} records`);
    assert.equal(written.records, 2_000);
    const squares = (await pool.readLines(out).collect()).map(Number);
    assert.deepEqual(
      squares,
      Array.from({ length: 2_000 }, (_, i) => i * i),
    );
  });
});

test('under errors: "collect", a refused item is set aside and the rest is written, counted as written', async () => {
  const pool = await poolOf({ backend: "threads", workers: 2 });
  const dir = join(freshDirectory(), "out");
  const records = [
    { k: "a", v: 1 },
    { k: "b", v: [2] },
    { k: { no: 1 }, v: 3 },
    { k: "b", v: 4 },
  ];
  const { result, failures } = await pool
    .from(records)
    .chunks({ minChunk: 4, maxChunk: 4 })
    .options({ errors: "collect" })
    .writeCsv(dir, { partitionBy: ["k"] });
  assert.deepEqual(
    failures.map((failure) => failure.index),
    [1, 2],
  );
  assert.equal(result.records, 2);
  assert.deepEqual(result.files.map((path) => path.split("/")[0]).sort(), ["k=a", "k=b"]);
  assert.deepEqual(
    asMultiset(await pool.readCsv<object>(dir).collect()),
    asMultiset([
      { k: "a", v: "1" },
      { k: "b", v: "4" },
    ]),
  );
});

describe("what a sink refuses", () => {
  const refusals: readonly {
    name: string;
    write: (pool: Pool, dir: string) => Promise<unknown>;
    message: RegExp;
    /** The item named, if it is known which. */
    index: number | undefined;
  }[] = [
    {
      name: "partitionBy over an item that is not an object",
      write: (pool, dir) => pool.from([{ k: "a" }, "text"]).writeJson(dir, { partitionBy: ["k"] }),
      message: /partitionBy writes objects.*\(k\), and this item is a string/,
      index: 1,
    },
    {
      name: "a partition field whose value is an object",
      write: (pool, dir) =>
        pool.from([{ k: "a" }, { k: { nested: 1 } }]).writeJson(dir, { partitionBy: ["k"] }),
      message: /the field "k" is an object/,
      index: 1,
    },
    {
      // In one part, the record that differs fails as itself; a failed chunk runs again in smaller
      // ones, so the parts may differ instead, which the pool refuses as it takes them.
      name: "CSV records with other fields than the others'",
      write: (pool, dir) =>
        pool
          .from([
            { a: 1, b: 2 },
            { b: 3, a: 4 },
            { a: 5, c: 6 },
          ])
          .chunks({ minChunk: 3, maxChunk: 3 })
          .writeCsv(dir),
      message:
        /same fields, and this (one has a, c where the part's first has a, b|chunk's part has the fields a, c where an earlier one has the fields a, b)/,
      index: 2,
    },
    {
      name: "CSV parts whose records have other fields than an earlier part's",
      write: (pool, dir) =>
        pool
          .from([
            { a: 1, b: 2 },
            { a: 3, c: 4 },
          ])
          .chunks({ maxChunk: 1 })
          .writeCsv(dir),
      // The chunk that comes back second is the one refused, whichever it is.
      message:
        /parts of one dataset must have the same fields, and this chunk's part has the fields a, [bc] where an earlier one has the fields a, [bc]/,
      index: undefined,
    },
    {
      name: "a CSV field that is a nested object",
      write: (pool, dir) => pool.from([{ a: 1 }, { a: [1, 2] }]).writeCsv(dir),
      message: /cannot write the field "a": it is an array/,
      index: 1,
    },
    {
      name: "a CSV item that is not an object",
      write: (pool, dir) => pool.from([{ a: 1 }, 7]).writeCsv(dir),
      message: /writeCsv writes objects, one a row, and this item is a number/,
      index: 1,
    },
  ];
  for (const { name, write, message, index } of refusals) {
    test(`${name}: the item fails named, and nothing is left in view`, async () => {
      const pool = await poolOf({ backend: "threads", workers: 2 });
      const dir = join(freshDirectory(), "out");
      await assert.rejects(
        write(pool, dir),
        (error: unknown) =>
          error instanceof TaskError &&
          (index === undefined || error.index === index) &&
          message.test(error.message),
      );
      assert.deepEqual(readdirSync(dir), [], "no part, no _SUCCESS, no _temporary");
    });
  }

  test("options are checked before the job starts", async () => {
    const pool = await poolOf({ backend: "sequential" });
    const dir = freshDirectory();
    const items = pool.from([{ a: 1 }]);
    for (const partitionBy of [[], ["a", "a"], "a", [1], [""]] as unknown as string[][]) {
      await assert.rejects(items.writeJson(dir, { partitionBy }), (error: unknown) => {
        assert.ok(error instanceof OptionError);
        assert.match(error.message, /partitionBy must be a non-empty list of distinct field names/);
        return true;
      });
    }
    await assert.rejects(
      items.writeJson(dir, { delimiter: ";" } as object),
      /delimiter is an option of writeCsv/,
    );
    await assert.rejects(items.writeCsv(dir, { delimiter: '"' }), OptionError);
    assert.deepEqual(readdirSync(dir), []);
  });
});
