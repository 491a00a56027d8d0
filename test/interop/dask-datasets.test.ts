// Datasets both ways with real Dask (Debian's python3-dask, which npm test installs): Dask reads the
// JSON-lines dataset and the partitioned CSV dataset weft wrote (dask.bag.read_text,
// dask.dataframe.read_csv) and finds weft's input in them, and weft reads the text files and CSV
// files Dask wrote (Bag.to_textfiles, DataFrame.to_csv). Counts and sums are compared here, against
// plain JavaScript over the same records. Dask runs with its synchronous scheduler: no network.
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { weft } from "../../src/index.ts";
import { checkLeaks } from "../support/leaks.ts";

checkLeaks();

const run = promisify(execFile);
/** Debian's Python, where python3-dask goes; a python3 earlier on PATH may lack it. */
const python = "/usr/bin/python3";
const script = fileURLToPath(new URL("fixtures/dask_datasets.py", import.meta.url));

interface DaskRead {
  readonly json: { count: number; sum: number };
  readonly csv: { count: number; sum: number; byColour: Record<string, number> };
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

test("Dask reads weft's JSON-lines and partitioned CSV datasets, and weft reads what Dask wrote, with the same counts and sums", async () => {
  assert.equal(
    spawnSync(python, ["-c", "import dask.bag, dask.dataframe"]).status,
    0,
    "Debian's python3-dask is needed (npm test installs it: apt-get install python3-dask python3-distributed python3-pandas)",
  );
  const dir = mkdtempSync(join(tmpdir(), "weft-dask-"));
  try {
    await using pool = await weft({ backend: "threads", workers: 2 });
    const colours = ["red", "green", "blue", null];
    const records = Array.from({ length: 5000 }, (_, n) => ({
      n,
      colour: colours[n % 4],
      word: `w${n % 7}`,
    }));
    const json = join(dir, "weft-json");
    const csv = join(dir, "weft-csv");
    const jsonSummary = await pool.from(records).writeJson(json);
    const csvSummary = await pool.from(records).writeCsv(csv, { partitionBy: ["colour"] });
    assert.ok(
      jsonSummary.files.length > 1 && csvSummary.files.length > 4,
      "several parts, so Dask reads several",
    );

    const daskText = join(dir, "dask-text");
    const daskCsv = join(dir, "dask-csv");
    const written = 3000;
    const { stdout } = await run(python, [script, json, csv, daskText, daskCsv, String(written)], {
      timeout: 60_000,
    });
    const read = JSON.parse(stdout.trim().split("\n").at(-1)!) as DaskRead;
    const ns = records.map((r) => r.n);
    assert.deepEqual(read.json, { count: records.length, sum: sum(ns) });
    const perColour = (colour: string | null) => records.filter((r) => r.colour === colour).length;
    assert.deepEqual(read.csv, {
      count: records.length,
      sum: sum(ns),
      byColour: {
        red: perColour("red"),
        green: perColour("green"),
        blue: perColour("blue"),
        __HIVE_DEFAULT_PARTITION__: perColour(null),
      },
    });

    // What Dask wrote: n, its square and a word for each n below `written`.
    const expected = Array.from({ length: written }, (_, n) => ({ n, square: n * n, word: `w${n % 7}` }));
    const fromText = await pool.readJson<{ n: number; square: number; word: string }>(daskText).collect();
    assert.deepEqual(
      {
        count: fromText.length,
        n: sum(fromText.map((r) => r.n)),
        square: sum(fromText.map((r) => r.square)),
      },
      { count: written, n: sum(expected.map((r) => r.n)), square: sum(expected.map((r) => r.square)) },
    );
    const fromCsv = await pool.readCsv<{ n: string; square: string; word: string }>(daskCsv).collect();
    assert.deepEqual(
      {
        count: fromCsv.length,
        n: sum(fromCsv.map((r) => Number(r.n))),
        square: sum(fromCsv.map((r) => Number(r.square))),
      },
      { count: written, n: sum(expected.map((r) => r.n)), square: sum(expected.map((r) => r.square)) },
    );
    // Dask cuts partitions in order and names files by number: weft reads them in that order.
    assert.deepEqual(
      fromCsv,
      expected.map((r) => ({ n: String(r.n), square: String(r.square), word: r.word })),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
