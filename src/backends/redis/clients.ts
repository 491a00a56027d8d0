// The Redis connections of one coordinator or worker, made so that closing them always ends them:
// ioredis keeps reconnecting to a Redis that is down, and a graceful close then never returns.
import {
  closeBoundMs,
  closeRedis,
  connect,
  within,
  type RedisClient,
  type ResolvedRedis,
} from "./connection.ts";

export class RedisClients {
  #closing = false;
  readonly #clients: { client: RedisClient; blocking: boolean }[] = [];

  constructor(readonly redis: ResolvedRedis) {}

  /**
   * A new connection; errors are left to whoever watches Redis (a watchdog, a log line). A
   * `blocking` one (a blocking read) is cut at close instead of quit: QUIT would wait for the read.
   */
  open(blocking = false): RedisClient {
    const client = connect(this.redis, {
      // Back off up to 1 s while open; once closing, stop, so nothing is left retrying.
      reconnect: (times) => (this.#closing ? null : Math.min(times * 100, 1000)),
    });
    client.on("error", () => {});
    this.#clients.push({ client, blocking });
    return client;
  }

  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(
      this.#clients.map(({ client, blocking }) => (blocking ? cut(client) : closeRedis(client))),
    );
  }
}

/** Drops the connection now and resolves once it has ended (at once if it had no socket). */
async function cut(client: RedisClient): Promise<void> {
  if (client.status === "end") return;
  const ended =
    client.status === "ready" && new Promise<void>((resolve) => client.once("end", () => resolve()));
  client.disconnect();
  if (ended) await within(ended, closeBoundMs).catch(() => {});
}
