// Sinks: writeLines and writeJson write one part file per chunk from the workers, in the
// collection's order by name, whole or not at all: a chunk that runs again (its worker died while
// writing it) leaves one part, and a job that fails or is cancelled leaves none.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import fc from "fast-check";
import { AbortError, OptionError, TaskError, weft, type Pool, type WeftOptions } from "../../src/index.ts";
import { exitsOnFirstCrashLine, throwsOnBoom, upper } from "../fixtures/file-tasks.ts";

const root = mkdtempSync(join(tmpdir(), "weft-sinks-"));
after(() => rmSync(root, { recursive: true, force: true }));

function freshDirectory(): string {
  return mkdtempSync(join(root, "run-"));
}

/** The directory's names: parts, `_SUCCESS` and anything else (a temporary file left behind would show here). */
const namesIn = (dir: string) => readdirSync(dir).sort();
const partsIn = (dir: string) => namesIn(dir).filter((name) => name.startsWith("part-"));

const backends: readonly { name: string; runs: number; options: WeftOptions }[] = [
  { name: "sequential", runs: 20, options: { backend: "sequential" } },
  { name: "threads", runs: 15, options: { backend: "threads", workers: 2 } },
  { name: "processes", runs: 6, options: { backend: "processes", workers: 2 } },
];

for (const backend of backends) {
  describe(`sinks on ${backend.name}`, () => {
    let pool: Promise<Pool> | undefined;
    const poolOf = () => (pool ??= weft(backend.options));
    after(async () => pool && (await (await pool).close()));

    it("writeLines and writeJson read back as the collection, in order, with a summary", async () => {
      const lineArb = fc.string({ unit: fc.constantFrom("a", "é", " ", "\t"), maxLength: 6 });
      await fc.assert(
        fc.asyncProperty(
          fc.array(lineArb, { maxLength: 30 }),
          fc.integer({ min: 1, max: 5 }),
          async (lines, maxChunk) => {
            const dir = freshDirectory();
            try {
              const p = await poolOf();
              const text = join(dir, "out-text");
              const summary = await p.from(lines).chunks({ maxChunk }).map(upper).writeLines(text);
              const expected = lines.map((l) => l.toUpperCase());
              assert.deepEqual(await p.readLines(text).collect(), expected);
              assert.equal(summary.records, lines.length);
              assert.deepEqual(summary.files, partsIn(text));
              // Spark's names: the chunk's number, then the job's token, the same in every part.
              for (const name of partsIn(text)) assert.match(name, /^part-\d{5}-[0-9a-f]{16}\.txt$/);
              assert.equal(
                new Set(partsIn(text).map((name) => name.slice(11))).size,
                Math.min(1, lines.length),
              );
              assert.deepEqual(namesIn(text), [...partsIn(text), "_SUCCESS"].sort());
              const bytes = partsIn(text).reduce(
                (sum, name) => sum + readFileSync(join(text, name)).length,
                0,
              );
              assert.equal(summary.bytes, bytes);

              const json = join(dir, "out-json");
              const records = lines.map((line, k) => ({ k, line }));
              await p.from(records).chunks({ maxChunk }).writeJson(json);
              assert.deepEqual(await p.readJson(json).collect(), records);
            } finally {
              rmSync(dir, { recursive: true, force: true });
            }
          },
        ),
        { seed: 1404, numRuns: backend.runs },
      );
    });

    it("a job that fails leaves no part in view, though earlier chunks were written", async () => {
      const dir = freshDirectory();
      const p = await poolOf();
      const lines = Array.from({ length: 40 }, (_, k) => (k === 35 ? "boom" : `line ${k}`));
      const input = join(dir, "in.txt");
      writeFileSync(input, lines.join("\n"));
      const out = join(dir, "out");
      const accepted: number[] = [];
      const onChunk = (record: { seq: number }) => accepted.push(record.seq);
      (await poolOf()).events.on("chunk", onChunk);
      try {
        await assert.rejects(
          p.readLines(input, { rangeBytes: 8 }).chunks({ maxChunk: 1 }).map(throwsOnBoom).writeLines(out),
          (error: unknown) => error instanceof TaskError && error.line === 36,
        );
      } finally {
        p.events.off("chunk", onChunk);
      }
      assert.ok(accepted.length > 0, "some chunks were accepted before the failure");
      assert.deepEqual(namesIn(out), [], "no part, no _SUCCESS, no temporary file");
    });

    it("a cancelled job leaves no part in view", async () => {
      const dir = freshDirectory();
      const p = await poolOf();
      const controller = new AbortController();
      const out = join(dir, "out");
      // Cancelled once a few chunks are in: their parts wait under _temporary/, and must go with it.
      let chunks = 0;
      const stopAfterThree = () => {
        if (++chunks === 3) controller.abort(new Error("stop"));
      };
      p.events.on("chunk", stopAfterThree);
      try {
        await assert.rejects(
          p.range(0, 2000).chunks({ maxChunk: 10 }).options({ signal: controller.signal }).writeLines(out),
          AbortError,
        );
      } finally {
        p.events.off("chunk", stopAfterThree);
      }
      assert.deepEqual(namesIn(out), [], "no part, no _SUCCESS, no _temporary folder");
    });

    it("refuses a directory that already holds a dataset", async () => {
      const dir = freshDirectory();
      const p = await poolOf();
      await p.from(["a"]).writeLines(dir);
      await assert.rejects(p.from(["b"]).writeLines(dir), OptionError);
      assert.deepEqual(await p.readLines(dir).collect(), ["a"]);
    });
  });
}

for (const options of [
  { backend: "threads", workers: 2 },
  { backend: "processes", workers: 2 },
] as const) {
  it(`a worker that dies mid-write on ${options.backend}: the chunk runs again, one part each, no temporary file left`, async () => {
    const dir = freshDirectory();
    await using pool = await weft(options);
    const out = join(dir, "out");
    mkdirSync(out);
    const marker = join(dir, "crashed");
    // One line per 3-byte range, four ranges a chunk: the crash line is its chunk's third, so the
    // two before it have been written to the chunk's temporary file when the worker dies.
    const lines = ["a0", "a1", `crash ${marker} ${out}`, ...Array.from({ length: 20 }, (_, k) => `b${k}`)];
    const input = join(dir, "in.txt");
    writeFileSync(input, `${lines.join("\n")}\n`);
    const summary = await pool
      .readLines(input, { rangeBytes: 3 })
      .chunks({ minChunk: 4, maxChunk: 4 })
      .map(exitsOnFirstCrashLine)
      .writeLines(out);
    assert.match(
      readFileSync(marker, "utf8"),
      /^_temporary\/[0-9a-f]+\/\d+-[0-9a-f]+\/part-\d{5}-[0-9a-f]+\.txt$/m,
      "the worker died with a part half written",
    );
    assert.deepEqual(await pool.readLines(out).collect(), lines, "every line once, in order");
    assert.equal(summary.records, lines.length);
    assert.deepEqual(namesIn(out), [...summary.files, "_SUCCESS"].sort(), "no temporary file is left");
    rmSync(dir, { recursive: true, force: true });
  });
}
