// Which Redis primary a process talks to, and since when: what `weft cluster status` shows of every
// coordinator and worker, so that after a failover an operator sees who has followed the new primary.
import { once } from "node:events";
import { Cluster } from "ioredis";
import type { RedisClient } from "./connection.ts";
import type { RedisPrimary } from "./keys.ts";

/**
 * The states of a connection not yet open. A reconnecting one passes through them too, but only the
 * first read waits: later ones report the last primary seen while the connection is down.
 */
const opening = new Set(["connecting", "connect"]);
/** How long a first read waits for its connection to open. */
const openingWaitMs = 2000;

export class PrimaryTracker {
  #seen: RedisPrimary | undefined;
  /** On a Redis Cluster, the hash slot of the prefix: its keys' primary is the one holding it. */
  #slot: number | undefined;

  constructor(
    readonly client: RedisClient,
    readonly prefix: string,
  ) {}

  /** The primary now (the last one seen while the connection is down), and when this process first saw it. */
  async read(): Promise<RedisPrimary | undefined> {
    // A connection still opening has no peer yet: a process's first heartbeat, written as it starts,
    // would go out without its primary and show none until the next beat, seconds later.
    if (this.#seen === undefined) await this.#opened();
    const address = await this.#address().catch(() => undefined);
    if (address !== undefined && address !== this.#seen?.address)
      this.#seen = { address, since: new Date().toISOString() };
    return this.#seen;
  }

  async #opened(): Promise<void> {
    const { client } = this;
    if (client instanceof Cluster || !opening.has(client.status)) return;
    // Bounded, so that a Redis that never answers cannot hold a beat: it then names no primary, as before.
    await once(client, "ready", { signal: AbortSignal.timeout(openingWaitMs) }).catch(() => {});
  }

  async #address(): Promise<string | undefined> {
    const { client } = this;
    if (client instanceof Cluster) {
      this.#slot ??= await client.cluster("KEYSLOT", this.prefix);
      return client.slots[this.#slot]?.[0];
    }
    const socket = client.stream;
    if (client.status !== "ready" || !socket?.remoteAddress) return undefined;
    return `${socket.remoteAddress}:${socket.remotePort}`;
  }
}
