// Task modules outside any project that has weft installed: `weft worker` and `weft run` both resolve
// `import ... from "weft"` to the weft that runs them, as a user's folder with only their own files needs.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { startCluster } from "../support/cluster.ts";
import { checkLeaks } from "../support/leaks.ts";
import { runWeft } from "./helpers.ts";

checkLeaks();

test("a cluster worker serves a task module that imports weft from a folder without it", async (t) => {
  const folder = mkdtempSync(join(tmpdir(), "weft-outside-"));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  const tasks = join(folder, "tasks.ts");
  writeFileSync(
    tasks,
    [
      `import { task } from "weft";`,
      `export const cube = task(import.meta.url, (n: number): number => n ** 3);`,
      `export const add = task(import.meta.url, (a: number, b: number): number => a + b);`,
      ``,
    ].join("\n"),
  );
  const job = join(folder, "job.ts");
  writeFileSync(
    job,
    [
      `import { weft } from "weft";`,
      `import { add, cube } from "./tasks.ts";`,
      `const pool = await weft({ redis: process.env.REDIS_URL });`,
      `try {`,
      `  console.log("sum of cubes:", await pool.range(0, 1000).map(cube).reduce(add));`,
      `} finally {`,
      `  await pool.close();`,
      `}`,
      ``,
    ].join("\n"),
  );
  writeFileSync(join(folder, "package.json"), `{ "type": "module" }\n`);

  // Closed before the leak check that follows each test, which t.after() would come after.
  await using cluster = await startCluster(1, { modules: [tasks], threads: 2 });
  assert.match(cluster.workers[0]!.output(), /serving tasks\.cube, tasks\.add/);

  process.env.REDIS_URL = cluster.redis.authUrl;
  const { code, stdout, stderr } = await runWeft(["run", job], 60_000).finally(
    () => delete process.env.REDIS_URL,
  );
  assert.equal(code, 0, stderr);
  // Σ n³ for n < 1000 = (999 · 1000 / 2)²
  assert.match(stdout, /sum of cubes: 249500250000/);
});
