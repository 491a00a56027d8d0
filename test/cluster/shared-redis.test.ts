// A cluster on a Redis it shares: its prefix cannot overlap another's, it never scans the whole Redis
// (the workers are found through a set of their ids, so an ACL user without KEYS runs it), and the URL,
// password included, can stay out of the process list (WEFT_REDIS_URL).
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import type { WorkerBeat } from "../../src/backends/redis/keys.ts";
import { OptionError, weft } from "../../src/index.ts";
import { add, square } from "../fixtures/tasks.ts";
import { fixtureModules, startCluster } from "../support/cluster.ts";
import { checkLeaks } from "../support/leaks.ts";
import {
  adminClient,
  exited,
  pollUntil,
  runWeft,
  sequentialSumOfSquares,
  startScript,
  unusedPort,
  waitForOutput,
  weftBin,
  within,
  workerSettings,
} from "./helpers.ts";

checkLeaks();

describe("a cluster on a shared Redis", () => {
  test(
    "a prefix holding ':' is refused, saying why and what to use, by the pool, `weft worker` and `weft cluster status`",
    { timeout: 60_000 },
    async () => {
      // Refused before any connection: nothing listens there.
      const url = `redis://127.0.0.1:${await unusedPort()}`;
      const why =
        /prefix "weft:workers" holds a ":", which separates the parts of weft's keys in Redis \(prefix "weft:workers" would overlap the keys of prefix "weft"\): use letters, digits, _ \. or - instead, e\.g\. "weft-workers"/;
      await assert.rejects(weft({ redis: { url, prefix: "weft:workers" } }), (error: Error) => {
        assert.ok(error instanceof OptionError, String(error));
        assert.match(error.message, why);
        return true;
      });
      const worker = await runWeft([
        "worker",
        "--redis",
        url,
        "--prefix",
        "weft:workers",
        "--tasks",
        fixtureModules[0]!,
      ]);
      assert.equal(worker.code, 1, worker.stderr);
      assert.match(worker.stderr, why);
      const status = await runWeft(["cluster", "status", "--redis", url, "--prefix", "weft:workers"]);
      assert.equal(status.code, 1, status.stderr);
      assert.match(status.stderr, why);
    },
  );

  test(
    "an ACL user as docs/cluster.md shows (its prefix's keys and channels, no dangerous command but INFO): pool, workers and cluster status work, and a dead worker leaves the set of workers",
    { timeout: 90_000 },
    async () => {
      const user = {
        name: "weft",
        password: "acl-pass-5d2",
        rules: ["~weft:*", "&weft:*", "+@all", "-@dangerous", "+info"],
      };
      await using cluster = await startCluster(2, workerSettings, { user });
      const url = cluster.redis.authUrl;
      await using pool = await weft({ redis: url });
      assert.equal(pool.workers, 8, "twice the 4 threads of the 2 workers, found without KEYS");
      assert.equal(await pool.range(0, 1000).map(square).reduce(add), await sequentialSumOfSquares(1000));
      const status = async () => {
        const { code, stdout, stderr } = await runWeft(["cluster", "status", "--redis", url, "--json"]);
        assert.equal(code, 0, stderr);
        return JSON.parse(stdout) as { workers: WorkerBeat[] };
      };
      assert.equal((await status()).workers.length, 2);

      // A worker that dies leaves its id in the set until a reader finds its heartbeat gone.
      await using admin = await adminClient(url);
      assert.equal(await admin.scard("weft:workers"), 2);
      await cluster.workers[0]!.kill();
      await pollUntil(
        async () => ((await status()).workers.length === 1 ? true : undefined),
        30_000,
        "the dead worker's heartbeat expiring",
      );
      assert.deepEqual(await admin.smembers("weft:workers"), [(await status()).workers[0]!.id]);
    },
  );

  test(
    "WEFT_REDIS_URL: `weft worker`, `weft cluster status` and `weft serve` take the URL from it, and the password stays out of the process list",
    { timeout: 90_000 },
    async () => {
      const password = "env-only-8c3f";
      await using cluster = await startCluster(0, workerSettings, { password });
      const env = { WEFT_REDIS_URL: cluster.redis.authUrl };
      const worker = await cluster.addWorker({ ...workerSettings, urlInEnv: true });
      assert.match(worker.output(), /connected to redis:\/\/:\*\*\*@127\.0\.0\.1:\d+/);
      const commandLine = readFileSync(`/proc/${worker.child.pid}/cmdline`, "utf8").split("\0");
      assert.ok(commandLine.includes("worker"), commandLine.join(" "));
      assert.ok(!commandLine.some((arg) => arg.includes(password)), commandLine.join(" "));

      const status = await runWeft(["cluster", "status", "--json"], 20_000, env);
      assert.equal(status.code, 0, status.stderr);
      assert.equal((JSON.parse(status.stdout) as { workers: unknown[] }).workers.length, 1);
      // --redis still wins over it.
      const wrong = await runWeft(["cluster", "status", "--redis", cluster.redis.url], 20_000, env);
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /refused the credentials/);

      const folder = mkdtempSync(join(tmpdir(), "weft-serve-"));
      try {
        await using serve = startScript(
          weftBin,
          ["serve", "--port", "0", "--db", join(folder, "jobs.db")],
          env,
        );
        assert.match(
          await within(waitForOutput(serve, /jobs run on/), 30_000, "weft serve starting"),
          /jobs run on redis \(4 workers\)/,
        );
        serve.child.kill("SIGTERM");
        await within(exited(serve.child), 20_000, "weft serve stopping");
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }

      // Neither given: the command says how to give it.
      const none = await runWeft(["worker", "--tasks", fixtureModules[0]!], 20_000, { WEFT_REDIS_URL: "" });
      assert.equal(none.code, 1);
      assert.match(
        none.stderr,
        /weft worker needs the cluster's Redis: set WEFT_REDIS_URL=redis:\/\/\[user:password@\]host:port \(or give --redis <url>\)/,
      );
    },
  );
});
