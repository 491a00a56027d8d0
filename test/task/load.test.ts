// Loading tasks in a worker: what a worker says when a task module it needs is not where it was.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { WorkerError, weft } from "../../src/index.ts";
import { checkLeaks } from "../support/leaks.ts";

checkLeaks();

test("a task module gone from its path fails the job naming the module, not weft's own files", async (t) => {
  const folder = mkdtempSync(join(tmpdir(), "weft-load-"));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  const file = join(folder, "moved.mjs");
  const weftUrl = new URL("../../src/index.ts", import.meta.url).href;
  writeFileSync(
    file,
    `import { task } from ${JSON.stringify(weftUrl)};\nexport const half = task(import.meta.url, (n) => n / 2);\n`,
  );
  const { half } = (await import(pathToFileURL(file).href)) as { half: (n: number) => number };
  rmSync(file);
  const pool = await weft({ workers: 1 });
  try {
    await assert.rejects(pool.from([2]).map(half).collect(), (error: Error) => {
      assert.ok(error instanceof WorkerError, String(error));
      assert.match(error.message, /task module file:.*moved\.mjs is not there for this worker/);
      assert.doesNotMatch(error.message, /load\.ts/);
      return true;
    });
  } finally {
    await pool.close();
  }
});
