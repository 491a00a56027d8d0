// Blocking reads in a loop, on a connection of their own: what the event reader and the mailboxes
// share. The loop reads until stopped, waits a little longer after each failed read while Redis is
// away (its owner's watch reports a long outage), and hands on each reply; its owner stops it by
// cutting the connection, since a blocking read in progress holds it.
import { setTimeout as delay } from "node:timers/promises";

export class BlockingReads<T> {
  #stopped = false;
  #running: Promise<void> | undefined;

  constructor(
    readonly read: () => Promise<T>,
    readonly handle: (reply: T) => void,
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
      let reply: T;
      try {
        reply = await this.read();
        failures = 0;
      } catch {
        // Redis is away, or the connection was cut to stop.
        if (this.#stopped) return;
        await delay(Math.min(100 * ++failures, 1000));
        continue;
      }
      this.handle(reply);
    }
  }
}
