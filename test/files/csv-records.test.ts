// A CSV range read by split lines or by csv-parse: a reader that stops early (a chunk that failed or
// was cancelled) ends the range's bytes, which is what closes its file, on either path.
import assert from "node:assert/strict";
import { test } from "node:test";
import { csvRecords } from "../../src/runtime/files/csv-records.ts";

/** Blocks of `text`, 64 bytes each, saying when they were ended. */
function blocksOf(text: string): { blocks: AsyncIterable<Buffer>; ended: () => boolean } {
  let ended = false;
  async function* blocks() {
    try {
      const bytes = Buffer.from(text);
      // Each block arrives later, as a file read does.
      for (let at = 0; at < bytes.length; at += 64) yield await Promise.resolve(bytes.subarray(at, at + 64));
    } finally {
      ended = true;
    }
  }
  return { blocks: blocks(), ended: () => ended };
}

const rows = Array.from({ length: 20_000 }, (_, k) => `${k},row ${k}`);

for (const [path, text] of [
  ["split lines", ["n,name", ...rows].join("\n")],
  ["csv-parse, from a quoted line on", ["n,name", '0,"quoted"', ...rows].join("\n")],
] as const) {
  test(`a reader that stops after the first batch ends the range's bytes: ${path}`, async () => {
    const { blocks, ended } = blocksOf(text);
    for await (const read of csvRecords(blocks, ",", true)) {
      assert.ok("batch" in read && read.batch.items.length > 0);
      break;
    }
    assert.equal(ended(), true);
  });
}
