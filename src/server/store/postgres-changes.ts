// The changes of state replicas make in the PostgreSQL job store, told to the others: each change
// NOTIFYs a channel in its transaction (delivered when it commits), and each replica LISTENs on a
// connection of its own, so that its event stream tells the jobs another replica runs.
import pg from "pg";
import type { PoolClient } from "pg";

/** The channel, and the payload: the replica that made the change and the job's id. */
export const changesChannel = "weft_jobs";

/** Tells the other replicas that this one (`owner`) changed job `id`: inside the change's transaction. */
export async function notifyChange(client: PoolClient, owner: string, id: string): Promise<void> {
  await client.query("SELECT pg_notify($1, $2)", [changesChannel, `${owner} ${id}`]);
}

/** How long a lost listening connection waits before it connects again. */
const reconnectMs = 1000;

/**
 * Listens for the changes other replicas make, on a connection of its own, connecting again after a
 * loss (a change told while it was away is missed: the job's own view is always read from the store).
 */
export class ChangeListener {
  readonly #url: string;
  readonly #owner: string;
  readonly #listener: (id: string) => void;
  #client: pg.Client | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(url: string, owner: string, listener: (id: string) => void) {
    this.#url = url;
    this.#owner = owner;
    this.#listener = listener;
  }

  /** Resolves once it listens; rejects if the connection fails. */
  async start(): Promise<void> {
    if (this.#closed) return;
    const client = new pg.Client({ connectionString: this.#url });
    client.on("notification", ({ payload = "" }) => {
      const [owner, id] = payload.split(" ");
      if (owner !== this.#owner && id) this.#listener(id);
    });
    client.on("error", () => this.#lost(client));
    client.on("end", () => this.#lost(client));
    this.#client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${changesChannel}`);
    } catch (error) {
      if (this.#client === client) this.#client = undefined;
      await client.end().catch(() => {});
      throw error;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#client?.end().catch(() => {});
  }

  #lost(client: pg.Client): void {
    if (client !== this.#client) return;
    this.#client = undefined;
    this.#retry();
  }

  #retry(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      const attempt = this.start();
      attempt.catch(() => this.#retry());
    }, reconnectMs);
  }
}
