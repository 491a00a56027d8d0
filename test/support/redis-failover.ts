// Redis set-ups that fail over, for tests and benchmarks: a primary with a replica under three
// sentinels, and a Redis Cluster of three primaries each with a replica. Every process is a private
// redis-server on a free loopback port (redis-server.ts), stopped with the set-up.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { setTimeout as delay } from "node:timers/promises";
import { Redis } from "ioredis";
import { startRedis, type RedisServer } from "./redis-server.ts";

const run = promisify(execFile);

/** The name the sentinels know the primary by. */
export const primaryName = "weft-primary";

export interface FailoverTimes {
  /** How long a primary must not answer before it is called down (Sentinel's down-after-milliseconds, a Cluster's node timeout). */
  readonly downAfterMs: number;
}

/** Passwords of a Sentinel set-up: the primary's and its replica's, and the sentinels' own. */
export interface SentinelPasswords {
  readonly primary?: string;
  readonly sentinels?: string;
}

export interface SentinelSet extends AsyncDisposable {
  /** `redis+sentinel://` with the three sentinels and the primary's name, and the passwords if there are. */
  readonly url: string;
  readonly primary: RedisServer;
  readonly replica: RedisServer;
  readonly sentinels: readonly RedisServer[];
  /** The port the sentinels give for the primary now. */
  primaryPort(): Promise<number>;
  /** Resolves once the sentinels give `port` as the primary and it answers as one; rejects after `timeoutMs`. */
  waitForPrimary(port: number, timeoutMs: number): Promise<void>;
}

/** A primary, its replica (in sync before this resolves), and three sentinels with a quorum of two. */
export async function startSentinelSet(
  times: FailoverTimes,
  passwords: SentinelPasswords = {},
): Promise<SentinelSet> {
  const servers: RedisServer[] = [];
  const stopAll = () => Promise.allSettled(servers.map((server) => server[Symbol.asyncDispose]()));
  try {
    // A replica may become the primary: both ask for the password, and the replica gives it to its primary.
    const auth =
      passwords.primary === undefined
        ? {}
        : { password: passwords.primary, args: ["--masterauth", passwords.primary] };
    const primary = await startRedis(auth);
    servers.push(primary);
    const replica = await startRedis({
      ...auth,
      args: [...(auth.args ?? []), "--replicaof", primary.host, String(primary.port)],
    });
    servers.push(replica);
    await waitFor(
      () => replicaInSync(primary, passwords.primary),
      10_000,
      "the replica to be in sync with the primary",
    );
    const sentinels: RedisServer[] = [];
    for (let i = 0; i < 3; i++) {
      const sentinel = await startRedis({
        sentinel: {
          name: primaryName,
          host: primary.host,
          port: primary.port,
          quorum: 2,
          downAfterMs: times.downAfterMs,
          failoverTimeoutMs: 10_000,
          ...(passwords.primary !== undefined && { primaryPassword: passwords.primary }),
          ...(passwords.sentinels !== undefined && { password: passwords.sentinels }),
        },
      });
      servers.push(sentinel);
      sentinels.push(sentinel);
    }
    const primaryPort = async () => {
      const address = await ask(
        sentinels[0]!.port,
        (client) => client.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", primaryName) as Promise<string[]>,
        passwords.sentinels,
      );
      return Number(address?.[1]);
    };
    // Every sentinel must know the others and the replica before a failover can be agreed on.
    await waitFor(
      () => everySentinelKnows(sentinels, passwords.sentinels),
      15_000,
      "the sentinels to find each other and the replica",
    );
    return {
      url:
        `redis+sentinel://${passwords.primary === undefined ? "" : `:${passwords.primary}@`}` +
        `${sentinels.map((s) => `${s.host}:${s.port}`).join(",")}/${primaryName}` +
        (passwords.sentinels === undefined ? "" : `?sentinelPassword=${passwords.sentinels}`),
      primary,
      replica,
      sentinels,
      primaryPort,
      async waitForPrimary(port, timeoutMs) {
        await waitFor(
          async () => (await primaryPort()) === port && (await role(port, passwords.primary)) === "master",
          timeoutMs,
          `the sentinels to promote the server on port ${port}`,
        );
      },
      [Symbol.asyncDispose]: async () => void (await stopAll()),
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

export interface RedisClusterSet extends AsyncDisposable {
  /** `redis+cluster://` with every node. */
  readonly url: string;
  readonly nodes: readonly RedisServer[];
  /** The primary that holds the hash slot of `{tag}` now, and its replica. */
  slotOwner(tag: string): Promise<{ primary: RedisServer; replica: RedisServer }>;
  /** Resolves once `server` is a primary holding the slot of `{tag}` and the cluster is whole again. */
  waitForOwner(tag: string, server: RedisServer, timeoutMs: number): Promise<void>;
}

/** Three primaries each with a replica, made with `redis-cli --cluster create`; resolves once the cluster is whole. */
export async function startRedisCluster(times: FailoverTimes): Promise<RedisClusterSet> {
  const nodes: RedisServer[] = [];
  const stopAll = () => Promise.allSettled(nodes.map((node) => node[Symbol.asyncDispose]()));
  try {
    for (let i = 0; i < 6; i++) {
      nodes.push(
        await startRedis({
          args: [
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            "nodes.conf",
            "--cluster-node-timeout",
            String(times.downAfterMs),
          ],
        }),
      );
    }
    const addresses = nodes.map((node) => `${node.host}:${node.port}`);
    await run(
      "redis-cli",
      ["--cluster", "create", ...addresses, "--cluster-replicas", "1", "--cluster-yes"],
      {
        timeout: 30_000,
      },
    );
    await waitFor(
      async () => (await clusterWhole(nodes)) && (await everySlotReplicated(nodes)),
      15_000,
      "the cluster to be whole, each primary with its replica",
    );
    const byPort = (port: number) => nodes.find((node) => node.port === port)!;
    const slotOwner = async (tag: string) => {
      const ports = await slotPorts(nodes, tag);
      return { primary: byPort(ports[0]!), replica: byPort(ports[1]!) };
    };
    return {
      url: `redis+cluster://${addresses.join(",")}`,
      nodes,
      slotOwner,
      async waitForOwner(tag, server, timeoutMs) {
        await waitFor(
          async () => (await slotPorts(nodes, tag))[0] === server.port && (await clusterWhole(nodes)),
          timeoutMs,
          `the server on port ${server.port} to hold the slot of {${tag}}`,
        );
      },
      [Symbol.asyncDispose]: async () => void (await stopAll()),
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Asks `port` one question on a connection of its own; undefined if it does not answer. */
async function ask<T>(
  port: number,
  question: (client: Redis) => Promise<T>,
  password?: string,
): Promise<T | undefined> {
  const client = new Redis({
    host: "127.0.0.1",
    port,
    ...(password !== undefined && { password }),
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  client.on("error", () => {});
  try {
    await client.connect();
    return await question(client);
  } catch {
    return undefined;
  } finally {
    client.disconnect();
  }
}

async function role(port: number, password?: string): Promise<string | undefined> {
  return ask(port, async (client) => ((await client.call("ROLE")) as [string])[0], password);
}

async function replicaInSync(primary: RedisServer, password?: string): Promise<boolean> {
  const info = await ask(primary.port, (client) => client.info("replication"), password);
  return /slave0:.*state=online/.test(info ?? "");
}

async function everySentinelKnows(sentinels: readonly RedisServer[], password?: string): Promise<boolean> {
  for (const sentinel of sentinels) {
    const known = await ask(
      sentinel.port,
      async (client) => {
        const master = (await client.call("SENTINEL", "MASTER", primaryName)) as string[];
        const field = (name: string) => Number(master[master.indexOf(name) + 1]);
        return field("num-slaves") >= 1 && field("num-other-sentinels") >= sentinels.length - 1;
      },
      password,
    );
    if (!known) return false;
  }
  return true;
}

/** Every node that answers says the cluster is ok (a killed node answers nothing). */
async function clusterWhole(nodes: readonly RedisServer[]): Promise<boolean> {
  let answered = 0;
  for (const node of nodes) {
    if (node.pid === undefined) continue;
    const info = await ask(node.port, (client) => client.call("CLUSTER", "INFO") as Promise<string>);
    if (info === undefined) continue;
    if (!info.includes("cluster_state:ok")) return false;
    answered++;
  }
  return answered > 0;
}

async function everySlotReplicated(nodes: readonly RedisServer[]): Promise<boolean> {
  const ranges = await ask(
    nodes[0]!.port,
    (client) => client.call("CLUSTER", "SLOTS") as Promise<unknown[][]>,
  );
  return ranges !== undefined && ranges.length > 0 && ranges.every((range) => range.length >= 4);
}

/** The ports of the primary holding the slot of `{tag}`, then of its replicas, as a live node sees them. */
async function slotPorts(nodes: readonly RedisServer[], tag: string): Promise<number[]> {
  for (const node of nodes) {
    if (node.pid === undefined) continue;
    const ports = await ask(node.port, async (client) => {
      const slot = (await client.call("CLUSTER", "KEYSLOT", `{${tag}}`)) as number;
      const ranges = (await client.call("CLUSTER", "SLOTS")) as [number, number, ...[string, number][]][];
      const range = ranges.find(([from, to]) => from <= slot && slot <= to);
      return range ? range.slice(2).map((address) => Number((address as [string, number])[1])) : undefined;
    });
    if (ports && ports.length >= 1) return ports;
  }
  return [];
}

async function waitFor(ready: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await delay(50);
  }
}
