// Spilling, seen from inside a worker: a chunk's records past the budget are written out in several
// frames and read back whole; a partition past the budget is split on disk into pieces, merged one
// at a time, and the pieces removed; the result is the same as with room for everything.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { ShuffleWrite } from "../../src/protocol/shuffle.ts";
import { readFrames } from "../../src/runtime/shuffle/frames.ts";
import { mergedItems } from "../../src/runtime/shuffle/hash-merge.ts";
import { ShuffleCombiner } from "../../src/runtime/shuffle/shuffle-combiner.ts";

const root = mkdtempSync(join(tmpdir(), "weft-spill-test-"));
after(() => rmSync(root, { recursive: true, force: true }));

const sum = (a: unknown, b: unknown) => (a as number) + (b as number);

function combiner(directory: string, budget: number, partitions: number): ShuffleCombiner {
  const write: ShuffleWrite = {
    op: "shuffle",
    keyed: { kind: "reduceByKey", combine: { kind: "inline", source: "(a, b) => a + b" } as never },
    partitions,
    directory,
    side: 0,
    budget,
  };
  return new ShuffleCombiner(
    write,
    undefined,
    (w) => w,
    () => 1,
    sum,
  );
}

async function frames(path: string): Promise<[unknown[], unknown[]][]> {
  const all: [unknown[], unknown[]][] = [];
  for await (const frame of readFrames(path)) all.push(frame);
  return all;
}

describe("a chunk past its budget", () => {
  it("writes its records out in several frames, which add up to each key's count", async () => {
    const dir = mkdtempSync(join(root, "map-"));
    const c = combiner(dir, 200, 2);
    const words = Array.from({ length: 320 }, (_, i) => `w${i % 40}`);
    for (const w of words) await c.add(w);
    const written = await c.result();
    assert.equal(written.files.length, 2, "one file per partition");
    const counts = new Map<string, number>();
    let frameCount = 0;
    for (const file of written.files) {
      const read = await frames(join(dir, file.name));
      frameCount += read.length;
      for (const [keys, values] of read)
        keys.forEach((k, i) =>
          counts.set(k as string, (counts.get(k as string) ?? 0) + (values[i] as number)),
        );
    }
    assert.ok(frameCount > 4, `spilled in ${frameCount} frames`);
    assert.equal(counts.size, 40);
    for (const n of counts.values()) assert.equal(n, 8);
  });

  it("discard removes what the attempt wrote", async () => {
    const dir = mkdtempSync(join(root, "discard-"));
    const c = combiner(dir, 100, 3);
    for (let i = 0; i < 100; i++) await c.add(`k${i}`);
    assert.ok(readdirSync(dir).length > 0);
    await c.discard();
    assert.deepEqual(readdirSync(dir), []);
  });
});

describe("a distinct's frames", () => {
  const distinct = (directory: string, key: ((item: unknown) => unknown) | undefined) =>
    new ShuffleCombiner(
      { op: "shuffle", keyed: { kind: "distinct" }, partitions: 1, directory, side: 0, budget: 1 << 30 },
      undefined,
      key,
      undefined,
      undefined,
    );

  it("hold each item once when the items are their own keys, and merge to the same result", async () => {
    const dir = mkdtempSync(join(root, "distinct-"));
    const items = Array.from({ length: 3000 }, (_, i) => `user-${i % 1000}`);
    const sizes: number[] = [];
    const merged: unknown[][] = [];
    for (const key of [undefined, (item: unknown) => item]) {
      const c = distinct(dir, key);
      for (const item of items) await c.add(item);
      const [file] = (await c.result()).files;
      const written = await frames(join(dir, file!.name));
      assert.equal(written.length, 1, "one frame");
      const [keys, values] = written[0]!;
      assert.deepEqual(values, keys);
      assert.equal(keys.length, 1000);
      sizes.push(file!.bytes);
      const context = {
        keyed: { kind: "distinct" as const },
        combine: undefined,
        directory: dir,
        budget: 1 << 30,
        stem: "t",
      };
      const out: unknown[] = [];
      for await (const batch of mergedItems(context, [{ name: file!.name, side: 0 }])) out.push(...batch);
      merged.push(out.sort());
    }
    assert.ok(sizes[0]! < sizes[1]! * 0.6, `one column (${sizes[0]} bytes) against two (${sizes[1]} bytes)`);
    assert.deepEqual(merged[0], merged[1]);
  });
});

describe("a partition past its budget", () => {
  it("is split on disk into pieces merged one at a time, with the same result, and the pieces removed", async () => {
    const dir = mkdtempSync(join(root, "reduce-"));
    // Two chunks' files for one partition: 2,000 keys, each seen in both.
    const names: string[] = [];
    for (let chunk = 0; chunk < 2; chunk++) {
      const c = combiner(dir, 1 << 30, 1);
      for (let i = 0; i < 2000; i++) await c.add(`key-${i}`);
      const written = await c.result();
      names.push(written.files[0]!.name);
    }
    const context = {
      keyed: { kind: "reduceByKey" as const, combine: undefined as never },
      combine: sum as never,
      directory: dir,
      stem: "test",
    };
    const pieces = names.map((name) => ({ name, side: 0 }));
    const merged = new Map<string, number>();
    let sawSplit = false;
    for await (const batch of mergedItems({ ...context, budget: 4096 }, pieces)) {
      sawSplit ||= readdirSync(dir).some((name) => name.startsWith("test-d1-"));
      for (const [k, v] of batch as [string, number][]) {
        assert.ok(!merged.has(k), `${k} came out twice`);
        merged.set(k, v);
      }
    }
    assert.ok(sawSplit, "the partition was split into pieces on disk");
    assert.equal(merged.size, 2000);
    for (const v of merged.values()) assert.equal(v, 2);
    assert.deepEqual(readdirSync(dir).sort(), [...names].sort(), "the pieces are removed");
    const roomy = new Map<string, number>();
    for await (const batch of mergedItems({ ...context, budget: 1 << 30 }, pieces))
      for (const [k, v] of batch as [string, number][]) roomy.set(k, v);
    assert.deepEqual(merged, roomy);
  });
});
