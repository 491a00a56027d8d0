// The Redis connections of one coordinator or worker, made so that closing them always ends them:
// ioredis keeps reconnecting to a Redis that is down, and BullMQ's close then never returns.
import { Redis } from "ioredis";
import { closeRedis, type RedisConnection } from "./connection.ts";

export class RedisClients {
  #closing = false;
  readonly #clients: Redis[] = [];

  constructor(readonly connection: RedisConnection) {}

  /** A new connection; errors are left to whoever watches Redis (a watchdog, a log line). */
  open(): Redis {
    const client = new Redis({
      ...this.connection,
      // Back off up to 1 s while open; once closing, stop, so nothing is left retrying.
      retryStrategy: (times) => (this.#closing ? null : Math.min(times * 100, 1000)),
    });
    client.on("error", () => {});
    this.#clients.push(client);
    return client;
  }

  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(this.#clients.map((client) => closeRedis(client)));
  }
}
