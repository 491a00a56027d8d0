// Which Redis primary a process talks to, and since when: what `weft cluster status` shows of every
// coordinator and worker, so that after a failover an operator sees who has followed the new primary.
import { Cluster } from "ioredis";
import type { RedisClient } from "./connection.ts";
import type { RedisPrimary } from "./keys.ts";

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
    const address = await this.#address().catch(() => undefined);
    if (address !== undefined && address !== this.#seen?.address)
      this.#seen = { address, since: new Date().toISOString() };
    return this.#seen;
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
