// Reaching a cluster and sharing it: clear, fast errors for an unreachable Redis or refused
// credentials (pool and `weft worker`), ACL users, `weft cluster status`, two coordinators on one
// cluster, and what a coordinator leaves in Redis when it is done.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import { closeRedis, connect, resolveRedis } from "../../src/backends/redis/connection.ts";
import type { CoordinatorBeat, RedisPrimary, WorkerBeat } from "../../src/backends/redis/keys.ts";
import { PrimaryTracker } from "../../src/backends/redis/primary.ts";
import { idOf } from "../../src/backends/redis/queue-entries.ts";
import { AbortError, weft } from "../../src/index.ts";
import { add, failOn, increment, square } from "../fixtures/tasks.ts";
import { fixtureModules, startCluster, type TestCluster } from "../support/cluster.ts";
import { checkLeaks } from "../support/leaks.ts";
import { afterGate } from "./fixtures/gate-tasks.ts";
import { slowSquare } from "./fixtures/slow-tasks.ts";
import {
  adminClient,
  chunkIdParts,
  clientIds,
  closedGate,
  pollUntil,
  queuedChunks,
  runWeft,
  sequentialSumOfSquares,
  unusedPort,
  within,
  watchCluster,
  workerSettings,
} from "./helpers.ts";

checkLeaks();

/** The keys among `keys` that hold chunks or replies: the queue, workers' taken lists, coordinators' replies. */
const chunkKeys = (keys: readonly string[]) =>
  keys.filter((key) => /^weft:(chunks:wait|workers:.+:taken|coordinators:.+:replies)$/.test(key)).sort();

describe("connecting to Redis", () => {
  test(
    "an unreachable Redis: weft() rejects, saying it could not reach Redis, instead of retrying",
    { timeout: 30_000 },
    async () => {
      const url = `redis://127.0.0.1:${await unusedPort()}`;
      // ioredis retries for ever unless told not to: a retry would outlast this bound many times over.
      await within(
        assert.rejects(weft({ redis: url }), (error: Error) => {
          assert.match(error.message, /could not reach Redis at redis:\/\/127\.0\.0\.1:\d+/);
          assert.match(error.message, /check that redis-server runs there/);
          return true;
        }),
        20_000,
        "weft() rejecting for an unreachable Redis",
      );
    },
  );

  test(
    "`weft worker` against an unreachable Redis exits 1 with the reason",
    { timeout: 30_000 },
    async () => {
      const url = `redis://127.0.0.1:${await unusedPort()}`;
      const { code, stderr } = await runWeft(["worker", "--redis", url, "--tasks", fixtureModules[0]!]);
      assert.equal(code, 1, stderr);
      assert.match(stderr, /could not reach Redis at redis:\/\/127\.0\.0\.1:\d+/);
    },
  );

  const secured = [
    { kind: "a password (requirepass)", server: { password: "default-pass-1f3a" } },
    {
      kind: "an ACL user (the default user off)",
      server: { user: { name: "weft-user", password: "user-pass-9c2e" } },
    },
  ];
  for (const { kind, server } of secured) {
    describe(`a Redis with ${kind}`, () => {
      let cluster: TestCluster;
      before(async () => {
        // Its worker logs in with the server's credentials (authUrl).
        cluster = await startCluster(1, workerSettings, server);
      });
      after(() => cluster.stop());

      /** URLs the server must refuse, each with the secret that must not appear in the error. */
      const refusedUrls = () => {
        const at = `127.0.0.1:${cluster.redis.port}`;
        return [
          { url: `redis://${at}`, secret: undefined },
          { url: `redis://:not-it-7d1@${at}`, secret: "not-it-7d1" },
          { url: `redis://weft-user:bad-9e8@${at}`, secret: "bad-9e8" },
          { url: `redis://nobody:secret-3b5@${at}`, secret: "secret-3b5" },
        ];
      };

      test(
        "refused credentials: weft() rejects after one connection, closes it, and never shows the password",
        { timeout: 20_000 },
        async () => {
          await using admin = await adminClient(cluster.redis.authUrl);
          const connections = async () =>
            Number(/^total_connections_received:(\d+)/m.exec(await admin.info("stats"))?.[1]);
          const open = await clientIds(admin);
          for (const { url, secret } of refusedUrls()) {
            const before = await connections();
            await assert.rejects(weft({ redis: url }), (error: Error) => {
              assert.equal(error.name, "WorkerError");
              if (secret) assert.ok(!error.message.includes(secret), `the password leaked: ${error.message}`);
              return true;
            });
            assert.equal(await connections(), before + 1, `${url}: one connection, no retry`);
            await pollUntil(
              async () => ((await clientIds(admin)).size === open.size ? true : undefined),
              10_000,
              `the refused connection to ${url} closing`,
            );
          }
        },
      );

      test("refused credentials are reported as such", { timeout: 20_000 }, async () => {
        for (const { url } of refusedUrls()) {
          await assert.rejects(weft({ redis: url }), (error: Error) => {
            assert.match(error.message, /refused the credentials/);
            assert.match(error.message, /redis:\/\/user:password@host:port/);
            return true;
          });
        }
      });

      test("the right credentials work, for the pool and its worker", { timeout: 30_000 }, async () => {
        const expected = await sequentialSumOfSquares(1000);
        await using pool = await weft({ redis: cluster.redis.authUrl });
        assert.equal(await pool.range(0, 1000).map(square).reduce(add), expected);
      });

      test(
        "`weft worker` with refused credentials exits 1, saying the credentials were refused",
        { timeout: 30_000 },
        async () => {
          const url = `redis://:not-it-7d1@127.0.0.1:${cluster.redis.port}`;
          const { code, stderr } = await runWeft(["worker", "--redis", url, "--tasks", fixtureModules[0]!]);
          assert.equal(code, 1, stderr);
          assert.ok(!stderr.includes("not-it-7d1"), stderr);
          assert.match(stderr, /refused the credentials/);
        },
      );
    });
  }
});

describe("a cluster shared by coordinators", () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startCluster(2, workerSettings);
  });
  after(() => cluster.stop());

  interface Status {
    primary: RedisPrimary;
    workers: WorkerBeat[];
    coordinators: CoordinatorBeat[];
    threads: number;
    inFlight: number;
    queued: number;
  }
  const status = async (): Promise<Status> => {
    const { code, stdout, stderr } = await runWeft([
      "cluster",
      "status",
      "--redis",
      cluster.redis.url,
      "--json",
    ]);
    assert.equal(code, 0, stderr);
    return JSON.parse(stdout) as Status;
  };

  test(
    "`weft cluster status` lists the workers, their threads and the queue, the coordinators, and the Redis primary each is connected to",
    { timeout: 60_000 },
    async () => {
      const idle = await status();
      assert.equal(idle.workers.length, 2);
      assert.equal(idle.threads, 4);
      const primary = `127.0.0.1:${cluster.redis.port}`;
      assert.equal(idle.primary.address, primary);
      for (const w of idle.workers) {
        assert.equal(w.redis?.address, primary, "each worker says which primary it is on");
        assert.ok(Date.parse(w.redis.since) <= Date.now(), "and since when");
      }
      assert.deepEqual(idle.coordinators, [], "no pool is open");
      assert.deepEqual(idle.workers.map((w) => w.pid).sort(), cluster.workers.map((w) => w.child.pid).sort());
      for (const w of idle.workers) {
        assert.equal(w.concurrency, 2);
        assert.ok(w.tasks.includes("slow-tasks.slowSquare") && w.tasks.includes("tasks.square"));
      }
      assert.equal(idle.inFlight, 0);
      assert.equal(idle.queued, 0);

      // Six chunks at once that hold until the gate opens: four run on the 4 threads, two wait.
      using gate = closedGate();
      await using admin = await adminClient(cluster.redis.url);
      await using pool = await weft({ redis: cluster.redis.url, workers: 6, maxChunk: 1 });
      const job = Promise.resolve(
        pool
          .from(Array.from({ length: 30 }, () => gate.path))
          .map(afterGate)
          .reduce(add),
      );
      // Should a check below fail, the pool's close rejects the job: the check's error is the one to see.
      job.catch(() => {});
      await pollUntil(
        async () => {
          const { active, wait } = await queuedChunks(admin);
          return active.length === 4 && wait.length === 2 ? true : undefined;
        },
        20_000,
        "4 chunks running and 2 waiting",
      );
      const busy = await status();
      assert.deepEqual({ inFlight: busy.inFlight, queued: busy.queued }, { inFlight: 4, queued: 2 });
      assert.deepEqual(
        busy.coordinators.map((c) => [c.pid, c.redis?.address]),
        [[process.pid, primary]],
        "the pool, as a coordinator on the primary",
      );
      const text = await runWeft(["cluster", "status", "--redis", cluster.redis.url]);
      assert.match(text.stdout, /2 workers, 4 threads; chunks: 4 in flight, 2 queued/);
      assert.match(
        text.stdout,
        new RegExp(`coordinator .*: pid ${process.pid} .*; on primary ${primary} since `),
      );

      gate.open();
      assert.equal(await job, 30);
      const done = await status();
      assert.deepEqual({ inFlight: done.inFlight, queued: done.queued }, { inFlight: 0, queued: 0 });
    },
  );

  test(
    "a process's first heartbeat names its primary, though it is written while its connection still opens",
    { timeout: 30_000 },
    async () => {
      const client = connect(resolveRedis(cluster.redis.url));
      try {
        assert.equal(client.status, "connecting");
        const primary = await new PrimaryTracker(client, "weft").read();
        assert.equal(primary?.address, `127.0.0.1:${cluster.redis.port}`);
      } finally {
        await closeRedis(client);
      }
    },
  );

  test(
    "two coordinators run jobs at once on one cluster and each gets its own answers",
    { timeout: 60_000 },
    async () => {
      await using sequential = await weft({ backend: "sequential" });
      const arrayA = Array.from({ length: 2000 }, (_, i) => i * 3);
      const arrayB = Array.from({ length: 1500 }, (_, i) => 7 - i);
      const expected = await Promise.all([
        sequential.range(0, 1500).map(square).reduce(add),
        sequential.range(1500, 3000).map(square).reduce(add),
        sequential.from(arrayA).map(square).collect(),
        sequential.from(arrayB).map(increment).collect(),
      ]);

      await using a = await weft({ redis: cluster.redis.url, maxChunk: 50 });
      await using b = await weft({ redis: cluster.redis.url, maxChunk: 50 });
      // Both pools number their jobs from 0: the workers must tell them apart by coordinator.
      const results = await Promise.all([
        a.range(0, 1500).map(slowSquare).reduce(add),
        b.range(1500, 3000).map(slowSquare).reduce(add),
        a.from(arrayA).map(square).collect(),
        b.from(arrayB).map(increment).collect(),
      ]);
      assert.deepEqual(results, expected);
    },
  );

  test(
    "a finished job leaves no chunk and no reply in Redis once its pool is closed",
    { timeout: 60_000 },
    async (t) => {
      await using admin = await adminClient(cluster.redis.url);
      {
        await using pool = await weft({ redis: cluster.redis.url, maxChunk: 100 });
        assert.equal(await pool.range(0, 5000).map(square).reduce(add), 41654167500);
        assert.equal((await pool.from([1, 2, 3]).map(square).collect()).length, 3);
        assert.equal(
          await pool.gather([pool.submit(add, [1, 2]), pool.submit(square, [5])]).then((v) => v.join()),
          "3,25",
        );
        let streamed = 0;
        for await (const _ of pool.range(0, 1000).map(increment)) streamed++;
        assert.equal(streamed, 1000);
      }
      const keys = chunkKeys(await admin.keys("weft:*"));
      t.diagnostic(`left in Redis: ${keys.join(", ") || "nothing of the chunks"}`);
      assert.deepEqual(keys, []);
    },
  );

  test(
    "a failed job's chunks still running at close leave the workers' lists once they finish",
    { timeout: 60_000 },
    async (t) => {
      await using admin = await adminClient(cluster.redis.url);
      {
        await using pool = await weft({ redis: cluster.redis.url, maxChunk: 10 });
        await assert.rejects(pool.range(0, 2000).map(failOn).reduce(add), /unlucky 13/);
      }
      const leftAtClose = await queuedChunks(admin);
      t.diagnostic(`chunks right after close: ${JSON.stringify(leftAtClose)}`);
      assert.deepEqual(leftAtClose.wait, [], "the queue holds none of them");
      await pollUntil(
        async () => (chunkKeys(await admin.keys("weft:*")).length === 0 ? true : undefined),
        10_000,
        "the chunks left at close finishing",
      );
    },
  );

  test("a cancelled job sends no more chunks to the cluster", { timeout: 60_000 }, async (t) => {
    await using traffic = await watchCluster(cluster.redis.port);
    // Every chunk a pool of this process sends is pushed onto the queue, in order.
    const sends = t.mock.method(Redis.prototype, "lpush");
    const sent = () => sends.mock.calls.map((call) => idOf(String(call.arguments[1])));
    await using pool = await weft({ redis: cluster.redis.url, minChunk: 50, maxChunk: 50 });
    const stop = new AbortController();
    const job = pool.range(0, 1e6).map(slowSquare).options({ signal: stop.signal }).reduce(add);
    await new Promise((resolve) => pool.events.once("chunk", resolve));
    const sentBefore = sends.mock.callCount();
    stop.abort(new Error("cancelled by the test"));
    await assert.rejects(job, AbortError);

    // Every chunk sent has ended (run out, aborted, or taken off the queue before it ran): none of the
    // job is left in flight.
    await traffic.until(
      (log) => sent().every((id) => log.completed.has(id) || log.withdrawn.has(id)),
      30_000,
      "the chunks in flight at the cancel ending",
    );
    // A later job's results come through the same replies list after theirs: once it has its answer,
    // the pool has handled the end of every chunk of the cancelled job, which is when it would send more.
    assert.equal(await pool.range(0, 10).map(square).reduce(add), 285);
    const after = sent().slice(sentBefore).map(chunkIdParts);
    t.diagnostic(`chunks sent before the cancel: ${sentBefore}; after it: ${after.length}, of the later job`);
    const [cancelled] = sent().map(chunkIdParts);
    assert.deepEqual(
      after.filter((p) => p.job === cancelled!.job),
      [],
      "chunks of the cancelled job were sent after the cancel",
    );
    assert.notDeepEqual(after, [], "the later job's chunks were sent");
  });
});
