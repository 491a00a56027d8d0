// `weft worker` given a task module it cannot load: it exits 1 by itself with a message naming the
// module and the reason, before it serves anything or writes anything to Redis.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fixtureModules } from "../support/cluster.ts";
import { checkLeaks } from "../support/leaks.ts";
import { startRedis, type RedisServer } from "../support/redis-server.ts";
import { adminClient, clientIds, exited, startScript, waitForOutput, weftBin, within } from "./helpers.ts";

checkLeaks();

interface BadModule {
  readonly name: string;
  /** The module's file name and source; none: a path where no file is. */
  readonly file: string;
  readonly source?: string;
  /** The line the worker prints about it. */
  readonly reason: RegExp;
}

const badModules: BadModule[] = [
  {
    name: "throws as it loads",
    file: "throws.ts",
    source: `throw new Error("no config found");\n`,
    reason: /^weft: a worker could not load task module file:\/\/\S*\/throws\.ts: no config found\b/m,
  },
  {
    name: "does not parse",
    file: "broken.ts",
    source: `export const = 1;\n`,
    reason: /^weft: a worker could not load task module file:\/\/\S*\/broken\.ts: Transform failed/m,
  },
  {
    name: "is not there",
    file: "missing.ts",
    reason: /^weft: task module file:\/\/\S*\/missing\.ts is not there for this worker/m,
  },
  {
    name: "defines no tasks",
    file: "no-tasks.ts",
    source: `export const answer = 42;\n`,
    reason:
      /^weft: task module \S*\/no-tasks\.ts defines no tasks \(functions defined with task\(import\.meta\.url, \.\.\.\)\)$/m,
  },
  {
    name: "throws as it loads, after starting a timer",
    file: "throws-after-timer.ts",
    source: `setInterval(() => {}, 60_000);\nthrow new Error("no config found");\n`,
    reason:
      /^weft: a worker could not load task module file:\/\/\S*\/throws-after-timer\.ts: no config found\b/m,
  },
];

describe("`weft worker` with a task module it cannot load", () => {
  let redis: RedisServer;
  let folder: string;
  before(async () => {
    redis = await startRedis();
    folder = mkdtempSync(join(tmpdir(), "weft-bad-modules-"));
  });
  after(async () => {
    await redis[Symbol.asyncDispose]();
    rmSync(folder, { recursive: true, force: true });
  });

  for (const bad of badModules) {
    test(
      `one that ${bad.name}: exits 1 naming it, serves nothing, leaves nothing in Redis`,
      { timeout: 60_000 },
      async () => {
        const module = join(folder, bad.file);
        if (bad.source !== undefined) writeFileSync(module, bad.source);
        await using admin = await adminClient(redis.url);
        const others = await clientIds(admin);
        // A good module first: the bad one fails the start all the same.
        await using worker = startScript(weftBin, [
          "worker",
          "--redis",
          redis.url,
          "--tasks",
          fixtureModules[0]!,
          module,
        ]);
        await within(waitForOutput(worker, bad.reason), 20_000, "the worker reporting the module");
        // Its report is the last thing it does: what is left is for the process to end, at once.
        const exit = await within(exited(worker.child), 10_000, "the worker exiting after its report");
        assert.deepEqual(exit, { code: 1, signal: null }, worker.output());
        assert.doesNotMatch(worker.output(), /serving/);
        assert.doesNotMatch(worker.output(), /^\s+at /m, "a message, not a stack trace");
        assert.deepEqual(await admin.keys("*"), [], "a worker that never started wrote nothing");
        assert.deepEqual(await clientIds(admin), others, "and left no connection open");
      },
    );
  }
});
