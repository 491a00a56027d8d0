// The ledgers in Redis: one owner at a time, writes fenced by ownership, a plan that must match.
import assert from "node:assert/strict";
import { test } from "node:test";
import { RedisLedgers } from "../../src/backends/redis/ledgers.ts";
import { adminClient } from "../cluster/helpers.ts";
import { checkLeaks } from "../support/leaks.ts";
import { startRedis } from "../support/redis-server.ts";

checkLeaks();

const entry = (start: number, count: number) => ({
  start,
  count,
  partial: { has: true, value: start },
  failures: [],
});
const plan = new Uint8Array([1, 2, 3]);

test("a ledger is written only by its owner: one taken over from a dead coordinator refuses the old one's writes", async () => {
  await using redis = await startRedis();
  await using clientA = await adminClient(redis.url);
  await using clientB = await adminClient(redis.url);
  const a = new RedisLedgers(clientA, "weft", "coordinator-a");
  const b = new RedisLedgers(clientB, "weft", "coordinator-b");

  assert.deepEqual(await a.claim("job", plan, "digest"), []);
  a.record("job", entry(0, 10));
  await clientA.ping(); // the record's script ran: one connection answers in order
  assert.deepEqual(await a.read("job"), { plan: Buffer.from(plan), done: 10 });

  // coordinator-a has no heartbeat: it is gone, and b may take its job over.
  assert.deepEqual(await b.claim("job", plan, "digest"), [entry(0, 10)]);
  a.record("job", entry(10, 5));
  await clientA.ping();
  await a.drop("job");
  assert.equal((await b.read("job"))?.done, 10, "the old owner's write and drop were refused");

  await assert.rejects(
    b.claim("job", plan, "another digest"),
    /a job named "job" is kept in the cluster's ledgers with another plan.*redis-cli del weft:ledgers:job/,
  );
  await b.drop("job");
  assert.equal(await b.read("job"), undefined);
});
