// File sources: readLines, readJson and readCsv give what a plain read of the whole file gives
// (`readFileSync(...).split("\n")`, JSON.parse per line, csv-parse over the file), for any contents
// (empty lines, no final newline, "\r\n", multi-byte characters, gzip), any range size down to one
// byte (so a range boundary falls everywhere: before, on and after every newline), any worker count,
// on the sequential, threads and processes backends. Seeds are fixed, so a failure replays.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { after, describe, it } from "node:test";
import { parse } from "csv-parse/sync";
import fc from "fast-check";
import { weft, type Pool, type WeftOptions } from "../../src/index.ts";
import { csvOptions } from "../../src/runtime/files/csv-records.ts";
import { measure } from "../fixtures/file-tasks.ts";

const root = mkdtempSync(join(tmpdir(), "weft-read-files-"));
after(() => rmSync(root, { recursive: true, force: true }));

/** A fresh directory for one run, removed after it. */
async function inDirectory<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(root, "run-"));
  try {
    return await run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The lines of a text as everyone counts them: split on "\n", a "\r" before it dropped, nothing after a final newline. */
export function plainLines(text: string): string[] {
  if (text === "") return [];
  const body = text.endsWith("\n") ? text.slice(0, -1) : text;
  return body.split("\n").map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line));
}

interface Backend {
  readonly name: string;
  readonly runs: number;
  readonly workerCounts: readonly number[];
  options(workers: number): WeftOptions;
}

const backends: readonly Backend[] = [
  { name: "sequential", runs: 30, workerCounts: [1], options: () => ({ backend: "sequential" }) },
  {
    name: "threads",
    runs: 20,
    workerCounts: [1, 2, 3],
    options: (workers) => ({ backend: "threads", workers }),
  },
  {
    name: "processes",
    runs: 8,
    workerCounts: [1, 3],
    options: (workers) => ({ backend: "processes", workers }),
  },
];

/** Texts over characters that matter to splitting: newlines, carriage returns, a two-byte and a four-byte character. */
const textArb = fc.string({
  unit: fc.constantFrom("a", "b", " ", "é", "😀", "\n", "\n", "\r"),
  maxLength: 40,
});
const filesArb = fc.array(fc.record({ text: textArb, gzip: fc.boolean() }), { minLength: 1, maxLength: 3 });
const rangeBytesArb = fc.integer({ min: 1, max: 24 });

function writeFiles(dir: string, files: readonly { text: string; gzip: boolean }[]): string[] {
  return files.map(({ text, gzip }, k) => {
    const path = join(dir, `f${k}.txt${gzip ? ".gz" : ""}`);
    writeFileSync(path, gzip ? gzipSync(text) : text);
    return path;
  });
}

for (const backend of backends) {
  describe(`file sources on ${backend.name}`, () => {
    const pools = new Map<number, Promise<Pool>>();
    const poolOf = (workers: number) => {
      let pool = pools.get(workers);
      if (!pool) pools.set(workers, (pool = weft(backend.options(workers))));
      return pool;
    };
    after(async () => {
      for (const pool of pools.values()) await (await pool).close();
    });
    const workersArb = fc.constantFrom(...backend.workerCounts);
    const params = (seed: number) => ({ seed, numRuns: backend.runs, includeErrorInReport: true });

    it("readLines: map and collect, count and filter equal a plain read of the files", async () => {
      await fc.assert(
        fc.asyncProperty(filesArb, rangeBytesArb, workersArb, (files, rangeBytes, workers) =>
          inDirectory(async (dir) => {
            const pool = await poolOf(workers);
            const paths = writeFiles(dir, files);
            const lines = files.flatMap((f) => plainLines(f.text));
            const collection = pool.readLines(paths, { rangeBytes });
            assert.deepEqual(
              await collection.map(measure).collect(),
              lines.map((l) => `${l.length}:${l}`),
            );
            assert.equal(await collection.count(), lines.length);
            const short = await collection.filter((line: string) => line.length < 2).collect();
            assert.deepEqual(
              short,
              lines.filter((l) => l.length < 2),
            );
          }),
        ),
        params(1401),
      );
    });

    it("readJson: one value a line, blank lines skipped, in file order", async () => {
      const valuesArb = fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 12 });
      const layoutArb = fc.array(fc.constantFrom("\n", "\r\n", "\n\n", "\n \n"), {
        minLength: 12,
        maxLength: 12,
      });
      await fc.assert(
        fc.asyncProperty(
          valuesArb,
          layoutArb,
          fc.boolean(),
          rangeBytesArb,
          workersArb,
          (values, ends, last, rangeBytes, workers) =>
            inDirectory(async (dir) => {
              const pool = await poolOf(workers);
              const text = values
                .map((v, k) => JSON.stringify(v) + (k < values.length - 1 || last ? ends[k] : ""))
                .join("");
              const path = join(dir, "values.ndjson");
              writeFileSync(path, text);
              const expected = values.map((v) => JSON.parse(JSON.stringify(v)) as unknown);
              assert.deepEqual(await pool.readJson(path, { rangeBytes }).collect(), expected);
            }),
        ),
        params(1402),
      );
    });

    it("readCsv: records as csv-parse reads the whole file, split at lines or one range per file", async () => {
      // Lines without a quote are split by weft and the rest parsed by csv-parse, switching at the
      // first quote in a range: so tables mix quoted and plain fields, one to three columns, empty
      // lines, rows of the wrong length (set aside under collect, as csv-parse skips them), a
      // byte-order mark, and a last line with or without its newline.
      const fieldArb = (breaks: boolean) =>
        fc.string({
          unit: fc.constantFrom("a", "é", ",", '"', " ", ...(breaks ? ["\n", "\r\n"] : [])),
          maxLength: 5,
        });
      const quote = (field: string) => (/[",\n\r ]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field);
      const tableArb = (breaks: boolean) =>
        fc.integer({ min: 1, max: 3 }).chain((columns) =>
          fc.record({
            columns: fc.constant(columns),
            rows: fc.array(
              fc.oneof(
                {
                  weight: 8,
                  arbitrary: fc.array(fieldArb(breaks), { minLength: columns, maxLength: columns }),
                },
                { weight: 1, arbitrary: fc.array(fieldArb(breaks), { minLength: 1, maxLength: 4 }) },
                { weight: 1, arbitrary: fc.constant([] as string[]) },
              ),
              { maxLength: 10 },
            ),
          }),
        );
      const caseArb = fc.boolean().chain((split) =>
        fc.record({
          split: fc.constant(split),
          table: tableArb(!split),
          end: fc.constantFrom("\n", "\r\n"),
          last: fc.boolean(),
          bom: fc.boolean(),
          gzip: fc.boolean(),
        }),
      );
      await fc.assert(
        fc.asyncProperty(
          caseArb,
          rangeBytesArb,
          workersArb,
          ({ split, table, end, last, bom, gzip }, rangeBytes, workers) =>
            inDirectory(async (dir) => {
              const pool = await poolOf(workers);
              const header = ["x", "y", "z"].slice(0, table.columns).join(",");
              const lines = [header, ...table.rows.map((row) => row.map(quote).join(","))];
              const text = (bom ? "\uFEFF" : "") + lines.join(end) + (last ? end : "");
              const path = join(dir, gzip ? "table.csv.gz" : "table.csv");
              writeFileSync(path, gzip ? gzipSync(text) : text);
              const expected = parse<unknown>(text, {
                ...csvOptions(","),
                columns: true,
                skip_records_with_error: true,
              });
              const read = await pool
                .readCsv(path, { rangeBytes, split })
                .options({ errors: "collect" })
                .collect();
              assert.deepEqual(read.result, expected);
            }),
        ),
        params(1403),
      );
    });
  });
}
