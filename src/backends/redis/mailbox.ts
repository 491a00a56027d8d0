// A reader of a Redis list used as a mailbox: entries are pushed at its tail and taken from its head,
// one at a time, in the order pushed, each handed on as it comes. A worker's inbox of direct calls and
// a coordinator's list of their answers are mailboxes. Like the event reader, it reads on after a lost
// connection, and its owner stops it by cutting the connection (a blocking read holds it).
import { setTimeout as delay } from "node:timers/promises";
import type { Redis } from "ioredis";

export class Mailbox {
  #stopped = false;
  #running: Promise<void> | undefined;

  constructor(
    readonly client: Redis,
    readonly key: string,
    readonly deliver: (text: string) => void,
    /** How long one blocking read waits, in seconds. */
    readonly blockSeconds = 5,
  ) {}

  start(): void {
    this.#running = this.#loop();
  }

  /** Stops reading; resolves once the loop has ended (its connection must be cut for a read in progress to end). */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#running;
  }

  async #loop(): Promise<void> {
    let failures = 0;
    while (!this.#stopped) {
      let entry: [string, string] | null;
      try {
        entry = await this.client.blpop(this.key, this.blockSeconds);
        failures = 0;
      } catch {
        // Redis is away, or the connection was cut to stop: the owner's watch reports a long outage.
        if (this.#stopped) return;
        await delay(Math.min(100 * ++failures, 1000));
        continue;
      }
      if (entry) this.deliver(entry[1]);
    }
  }
}
