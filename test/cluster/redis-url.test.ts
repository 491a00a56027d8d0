// The Redis a URL names: one server, a primary behind Sentinel, or a Redis Cluster; what each parses
// to, what is refused and why, that no password is ever shown, and which Redis versions will do.
import assert from "node:assert/strict";
import { test } from "node:test";
import { OptionError } from "../../src/errors.ts";
import { resolveRedis, versionProblem } from "../../src/backends/redis/connection.ts";

test("redis:// names one server, with credentials, a database and TLS", () => {
  const plain = resolveRedis("redis://127.0.0.1:6380/2");
  assert.deepEqual(plain.topology, { kind: "server", host: "127.0.0.1", port: 6380 });
  assert.equal(plain.connection.db, 2);
  assert.equal(plain.prefix, "weft");
  const secure = resolveRedis({ url: "rediss://app:p%40ss@[::1]", prefix: "jobs" });
  assert.deepEqual(secure.topology, { kind: "server", host: "::1", port: 6379 });
  assert.equal(secure.connection.username, "app");
  assert.equal(secure.connection.password, "p@ss");
  assert.deepEqual(secure.connection.tls, {});
  assert.equal(secure.where, "rediss://app:***@[::1]");
  assert.equal(resolveRedis("redis://:only-a-password@host").connection.password, "only-a-password");
});

test("redis+sentinel:// names the sentinels and the primary they watch; passwords never shown", () => {
  const redis = resolveRedis(
    "redis+sentinel://:primary-pw@10.0.0.1:26379,10.0.0.2,[::1]:26380/my%20primary/3?sentinelPassword=s-pw",
  );
  assert.deepEqual(redis.topology, {
    kind: "sentinel",
    primary: "my primary",
    sentinels: [
      { host: "10.0.0.1", port: 26379 },
      { host: "10.0.0.2", port: 26379 },
      { host: "::1", port: 26380 },
    ],
  });
  assert.equal(redis.connection.db, 3);
  assert.equal(redis.connection.password, "primary-pw");
  assert.equal(redis.connection.sentinelPassword, "s-pw");
  assert.doesNotMatch(redis.where, /primary-pw|s-pw/);
  assert.equal(
    resolveRedis({ url: "redis+sentinel://h/p", sentinelPassword: "given" }).connection.sentinelPassword,
    "given",
  );
});

test("redis+cluster:// names the nodes; every key of a prefix goes in one hash slot", () => {
  const redis = resolveRedis({ url: "redis+cluster://127.0.0.1:7000,127.0.0.1:7001", prefix: "jobs" });
  assert.deepEqual(redis.topology, {
    kind: "cluster",
    nodes: [
      { host: "127.0.0.1", port: 7000 },
      { host: "127.0.0.1", port: 7001 },
    ],
  });
  assert.equal(redis.prefix, "{jobs}", "a hash tag: BullMQ's keys and weft's share the slot of `jobs`");
});

test("a URL that names no Redis, or names it wrongly, is refused saying what to write", () => {
  const refused = (url: string, why: RegExp) =>
    assert.throws(
      () => resolveRedis(url),
      (error: Error) => error instanceof OptionError && why.test(error.message),
    );
  refused("localhost:6379", /must be a URL such as redis:\/\/127\.0\.0\.1:6379, redis\+sentinel:/);
  refused("http://127.0.0.1:6379", /must be a URL such as/);
  refused("redis+sentinel://127.0.0.1:26379", /names the primary the sentinels watch/);
  refused("redis://a:1,b:2", /names one server; for several, say what they are/);
  refused("redis://127.0.0.1/x", /the database in a redis URL is a number/);
  refused("redis+cluster://127.0.0.1:7000/1", /a Redis Cluster has only database 0/);
  refused("redis://127.0.0.1:99999", /port 99999 in a redis URL is not a port/);
  assert.throws(
    () => resolveRedis("redis+nonsense://:secret-9@h"),
    (error: Error) => !error.message.includes("secret-9"),
    "a refused URL's password is not repeated",
  );
});

test("a Redis older than 6.2 is refused, saying which version it is and what weft needs", () => {
  const info = (version: string) => `# Server\r\nredis_version:${version}\r\nredis_mode:standalone\r\n`;
  for (const version of ["6.2.0", "6.2.14", "7.0.15", "7.4.1", "8.0.0"])
    assert.equal(versionProblem(info(version)), undefined, version);
  assert.match(
    versionProblem(info("6.0.16"))!,
    /^is version 6\.0: weft needs 6\.2 or newer \(.*BLMOVE.*\): upgrade Redis$/,
  );
  assert.match(versionProblem(info("5.0.14"))!, /is version 5\.0/);
  // A server that does not say is not refused for it.
  assert.equal(versionProblem("# Server\r\n"), undefined);
});
