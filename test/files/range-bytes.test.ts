// A range's bytes are read a block ahead of the one being worked on: every block comes in order and
// whole, a read ahead that fails while nobody awaits it surfaces at the next block (and does not end
// the process as an unhandled rejection), a range abandoned early closes its file only after the
// read in flight has finished, and a file that shrank since its ranges were planned ends the range.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, it } from "node:test";
import { blocksOf, rangeBytes } from "../../src/runtime/files/range-bytes.ts";

const mebibyte = 1024 * 1024;

/** A file handle whose reads answer from `bytes`, except the read numbered in `failing`; it logs what happens. */
function fakeFile(bytes: Buffer, options: { failing?: number; readMs?: number } = {}) {
  const log: string[] = [];
  let reads = 0;
  const file = {
    async read(buffer: Buffer, offset: number, length: number, position: number) {
      const n = ++reads;
      log.push(`read ${n}`);
      if (options.readMs) await sleep(options.readMs);
      if (n === options.failing) throw new Error(`read ${n} failed`);
      const bytesRead = bytes.copy(buffer, offset, position, Math.min(bytes.length, position + length));
      log.push(`read ${n} done`);
      return { bytesRead, buffer };
    },
    close() {
      log.push("close");
      return Promise.resolve();
    },
  };
  return { file: file as unknown as FileHandle, log };
}

describe("a range's blocks", () => {
  it("are the range's bytes in order, the next one read while this one is worked on", async () => {
    const bytes = Buffer.alloc(2.5 * mebibyte, "abcdefgh\n");
    const { file, log } = fakeFile(bytes);
    const blocks: Buffer[] = [];
    for await (const block of blocksOf(file, 3, bytes.length)) {
      // The read of the block after this one has started before this one is handed over.
      if (blocks.length === 0) assert.deepEqual(log.slice(0, 3), ["read 1", "read 1 done", "read 2"]);
      blocks.push(block);
    }
    assert.deepEqual(Buffer.concat(blocks), bytes.subarray(3));
    assert.deepEqual(
      blocks.map((b) => b.length),
      [mebibyte, mebibyte, bytes.length - 3 - 2 * mebibyte],
    );
    assert.equal(log.at(-1), "close");
  });

  it("end with the error of a read ahead that failed while the block before it was worked on", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const { file, log } = fakeFile(Buffer.alloc(3 * mebibyte), { failing: 2 });
      const blocks = blocksOf(file, 0, 3 * mebibyte);
      const first = await blocks.next();
      assert.equal(first.done ? undefined : first.value.length, mebibyte);
      await sleep(20); // read 2 fails now, while nobody awaits it
      await assert.rejects(blocks.next(), /read 2 failed/);
      assert.deepEqual(unhandled, []);
      assert.equal(log.at(-1), "close");
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  it("close their file after the read in flight when the range is abandoned", async () => {
    const { file, log } = fakeFile(Buffer.alloc(3 * mebibyte), { readMs: 20 });
    for await (const block of blocksOf(file, 0, 3 * mebibyte)) {
      assert.equal(block.length, mebibyte);
      break;
    }
    assert.deepEqual(log, ["read 1", "read 1 done", "read 2", "read 2 done", "close"]);
  });

  it("end where the file now ends when it shrank after its range was planned", async () => {
    const bytes = Buffer.alloc(1.5 * mebibyte, "abcdefgh\n");
    const { file, log } = fakeFile(bytes);
    const blocks: Buffer[] = [];
    for await (const block of blocksOf(file, 0, 3 * mebibyte)) {
      blocks.push(block);
      // A range that kept reading past the file's end would never finish: stop it, and fail below.
      if (blocks.length > 3) break;
    }
    assert.deepEqual(
      blocks.map((b) => b.length),
      [mebibyte, bytes.length - mebibyte],
    );
    assert.deepEqual(Buffer.concat(blocks), bytes);
    assert.equal(log.at(-1), "close");
  });

  it("of a real file larger than a block hold its lines whole, from the first line start in the range", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "weft-range-bytes-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, "lines.txt");
    writeFileSync(path, Array.from({ length: 400_000 }, (_, i) => `line ${i}`).join("\n"));
    const contents = readFileSync(path);
    const start = 10;
    const { from, blocks } = await rangeBytes({ path, start, end: contents.length, gzip: false });
    assert.equal(from, contents.indexOf("\n", start) + 1);
    const read: Buffer[] = [];
    for await (const block of blocks) read.push(block);
    assert.ok(read.length > 2, `read in ${read.length} blocks`);
    assert.deepEqual(Buffer.concat(read), contents.subarray(from));
  });
});
