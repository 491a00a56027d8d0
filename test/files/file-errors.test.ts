// Where a file source's errors point: a task that throws on a line, a line that is not JSON, a CSV
// record cut by a range boundary, an unreadable file: each names the file and line. And what is
// refused before any work: no such file, a glob that matches nothing, a cluster pool.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { OptionError, TaskError, weft } from "../../src/index.ts";
import { Pool } from "../../src/pool/pool.ts";
import { resolveOptions } from "../../src/pool/options.ts";
import { throwsOnBoom } from "../fixtures/file-tasks.ts";
import { localBackends } from "../support/backends.ts";
import { FakeBackend } from "../support/fake-backend.ts";

const dir = mkdtempSync(join(tmpdir(), "weft-file-errors-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const isTaskErrorAt = (path: string, line: number, task?: RegExp) => (error: unknown) => {
  assert.ok(error instanceof TaskError, `a TaskError, got ${String(error)}`);
  assert.equal(error.file, path);
  assert.equal(error.line, line);
  assert.ok(error.message.includes(`${path}:${line}`), error.message);
  if (task) assert.match(error.task, task);
  return true;
};

for (const { name, options } of localBackends) {
  describe(`file errors on ${name}`, () => {
    it("a task that throws on a line names file:line, counted across range boundaries", async () => {
      await using pool = await weft(options);
      const lines = Array.from({ length: 50 }, (_, k) => (k === 41 ? "boom" : `line ${k}`));
      const path = file(`throws-${name}.txt`, lines.join("\r\n"));
      await assert.rejects(
        pool.readLines(path, { rangeBytes: 16 }).map(throwsOnBoom).collect(),
        isTaskErrorAt(path, 42, /throwsOnBoom/),
      );
    });

    it("a line that is not JSON fails with its file and line; under collect it is set aside", async () => {
      await using pool = await weft(options);
      const path = file(`bad-${name}.ndjson`, '{"a":1}\n\n{"a":2}\n{oops\n{"a":3}\nnope\n');
      // Fail-fast reports the first bad line to fail in time: with two in chunks that run at once,
      // either; so that assertion reads a file holding one.
      const onePath = file(`one-bad-${name}.ndjson`, '{"a":1}\n\n{"a":2}\n{oops\n{"a":3}\n');
      await assert.rejects(
        pool.readJson(onePath, { rangeBytes: 4 }).collect(),
        isTaskErrorAt(onePath, 4, /JSON\.parse/),
      );
      const settled = await pool.readJson(path, { rangeBytes: 4 }).options({ errors: "collect" }).collect();
      assert.deepEqual(settled.result, [{ a: 1 }, { a: 2 }, { a: 3 }]);
      assert.deepEqual(
        settled.failures.map((f) => [f.file, f.line, f.preview]),
        [
          [path, 4, "'{oops'"],
          [path, 6, "'nope'"],
        ],
      );
    });

    it("a CSV record of the wrong length fails with its file and line, in any range; under collect it is set aside", async () => {
      await using pool = await weft(options);
      const text = ["a,b", "1,2", "", "3", "4,5", "6,7,8", '"9",10', "11,12"].join("\n") + "\n";
      const path = file(`lengths-${name}.csv`, text);
      const onePath = file(`one-length-${name}.csv`, "a,b\n1,2\n3,4\n5\n6,7\n");
      for (const rangeBytes of [4, 1024]) {
        await assert.rejects(
          pool.readCsv(onePath, { rangeBytes }).collect(),
          isTaskErrorAt(onePath, 4, /csv-parse/),
        );
        const settled = await pool.readCsv(path, { rangeBytes }).options({ errors: "collect" }).collect();
        assert.deepEqual(settled.result, [
          { a: "1", b: "2" },
          { a: "4", b: "5" },
          { a: "9", b: "10" },
          { a: "11", b: "12" },
        ]);
        assert.deepEqual(
          settled.failures.map((f) => [
            f.file,
            f.line,
            /^Invalid Record Length: [^(]*\d/.exec(f.error.message)?.[0],
          ]),
          [
            [path, 4, "Invalid Record Length: columns length is 2, got 1"],
            [path, 6, "Invalid Record Length: columns length is 2, got 3"],
          ],
        );
      }
    });

    it("a CSV column named __proto__ is a field of the record, not its prototype", async () => {
      await using pool = await weft(options);
      const path = file(`proto-${name}.csv`, "__proto__,b\nx,1\n");
      const [record] = await pool.readCsv<Record<string, string>>(path).collect();
      assert.equal(Object.getPrototypeOf(record), Object.prototype);
      assert.deepEqual(Object.entries(record!), [
        ["__proto__", "x"],
        ["b", "1"],
      ]);
    });

    it("a CSV record cut by a range boundary says to read with split: false", async () => {
      await using pool = await weft(options);
      const path = file(`quoted-${name}.csv`, 'a,b\n1,"two\nlines"\n3,4\n');
      await assert.rejects(pool.readCsv(path, { rangeBytes: 12 }).collect(), /split: false/);
      assert.deepEqual(await pool.readCsv(path, { split: false }).collect(), [
        { a: "1", b: "two\nlines" },
        { a: "3", b: "4" },
      ]);
    });

    it("a corrupt gzip file fails as the reading of that file", async () => {
      await using pool = await weft(options);
      const path = file(`corrupt-${name}.txt.gz`, "this is not gzip\n");
      await assert.rejects(pool.readLines(path).collect(), (error: unknown) => {
        assert.ok(error instanceof TaskError);
        assert.equal(error.file, path);
        assert.match(error.task, /reading the file \(readLines\)/);
        return true;
      });
    });
  });
}

describe("file sources: what is refused before any work", () => {
  it("no such file, a glob that matches nothing, an empty list", async () => {
    await using pool = await weft({ backend: "sequential" });
    await assert.rejects(
      pool.readLines(join(dir, "missing.txt")).count(),
      /cannot read .*missing\.txt: no such file/,
    );
    await assert.rejects(pool.readLines(join(dir, "*.nothing")).count(), /no file matches/);
    await assert.rejects(pool.readLines([]).count(), OptionError);
    assert.throws(() => pool.readLines("x", { rangeBytes: 0 }), OptionError);
    assert.throws(() => pool.readCsv("x", { delimiter: "" }), OptionError);
  });

  it("a directory reads its files in name order, without hidden files and _SUCCESS", async () => {
    await using pool = await weft({ backend: "sequential" });
    const folder = join(dir, "folder");
    mkdirSync(folder);
    writeFileSync(join(folder, "b.txt"), "b1\nb2\n");
    writeFileSync(join(folder, "a.txt"), "a1\n");
    writeFileSync(join(folder, "_SUCCESS"), "");
    writeFileSync(join(folder, ".hidden.tmp"), "no\n");
    mkdirSync(join(folder, "sub"));
    assert.deepEqual(await pool.readLines(folder).collect(), ["a1", "b1", "b2"]);
    assert.deepEqual(await pool.readLines(join(folder, "*.txt")).collect(), ["a1", "b1", "b2"]);
  });

  it("a cluster pool without a dataRoot refuses file sources and sinks, saying what to set", async () => {
    class ClusterLike extends FakeBackend {
      override readonly name = "redis" as never;
    }
    const pool = Pool.create(new ClusterLike(1, false), resolveOptions({ backend: "sequential" }));
    try {
      assert.throws(
        () => pool.readLines("x.txt"),
        /readLines\(\) needs files the cluster.s workers can see.*dataRoot.*--data-root/,
      );
      await assert.rejects(
        pool.from([1]).writeJson(dir),
        /writeJson\(\) needs files the cluster.s workers can see.*dataRoot.*--data-root/,
      );
    } finally {
      await pool.close();
    }
  });
});
