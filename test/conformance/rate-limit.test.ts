// Conformance, rateLimit: the whole job starts at most `perSecond` items a second, on every backend,
// whatever the workers and their concurrency, and gives the sequential answer; bad settings and
// file inputs are refused. Only lower bounds on time are asserted: a slow machine makes a job
// slower, never faster than its limit.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { OptionError, weft } from "../../src/index.ts";
import { noteStart } from "../fixtures/async-tasks.ts";
import { identity } from "../fixtures/tasks.ts";
import { clusterBackend, localBackends } from "../support/backends.ts";
import { checkLeaks } from "../support/leaks.ts";

checkLeaks();

for (const { name, options } of [...localBackends, clusterBackend()]) {
  describe(`rateLimit on ${name}`, () => {
    test("the job's items start no faster than the limit, on all workers together", async () => {
      await using pool = await weft(options);
      const perSecond = 200;
      const out = await pool
        .range(0, 61)
        .map(noteStart)
        .options({ rateLimit: { perSecond }, concurrency: 8 })
        .collect();
      assert.deepEqual(
        out.map((o) => o.n),
        Array.from({ length: 61 }, (_, i) => i),
      );
      const starts = out.map((o) => o.at).sort((a, b) => a - b);
      // 61 items at 200 a second: 300 ms from the first start to the last, less a millisecond of
      // timer rounding per chunk and the clock's own.
      const span = starts.at(-1)! - starts[0]!;
      assert.ok(span >= 250, `61 items started within ${span} ms at a limit of ${perSecond}/s`);
      // No burst: in any 50 ms, not much more than the limit's 10 items.
      for (let i = 0; i < starts.length; i++) {
        const within = starts.filter((t) => t >= starts[i]! && t < starts[i]! + 50).length;
        assert.ok(within <= 16, `${within} items started within 50 ms of ${starts[i]! - starts[0]!} ms`);
      }
    });

    test("a rate limit that is not { perSecond: n > 0 } is refused, saying what is accepted", async () => {
      await using pool = await weft(options);
      for (const bad of [
        { perSecond: 0 },
        { perSecond: -1 },
        { perSecond: Infinity },
        { perSecond: "10" },
        5,
      ]) {
        assert.throws(
          () => pool.range(0, 10).options({ rateLimit: bad as never }),
          /rateLimit must be \{ perSecond: n \} with n a number above 0/,
        );
      }
    });
  });
}

test("a rate limit on a file input is refused, saying what to do", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "weft-rate-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, "lines.txt");
  writeFileSync(path, "a\nb\nc\n");
  await using pool = await weft({ workers: 1 });
  await assert.rejects(
    pool
      .readLines(path)
      .map(identity)
      .options({ rateLimit: { perSecond: 10 } })
      .collect(),
    (error: unknown) =>
      error instanceof OptionError && /paces in-memory inputs \(from, range\), not files/.test(error.message),
  );
});
