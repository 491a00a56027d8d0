// A coordinator's reader of BullMQ's event stream (`<prefix>:chunks:events`), where workers' results
// arrive. BullMQ's own reader (QueueEvents) parses each entry outside its error handling, so one
// malformed entry, written by anyone who can write to Redis, stopped it for good and left the
// coordinator deaf. This one reads the same entries, hands on only the events of chunks its owner is
// waiting for, passes over any entry it cannot read, and reads on after a lost connection from where
// it was, so results published while it was away are not missed.
import type { RedisClient } from "./connection.ts";
import { BlockingReads } from "./blocking-reads.ts";

/** The events a coordinator acts on, for the BullMQ job ids it `wants`. Each gets the entry's raw fields. */
export interface ChunkEventHandlers {
  wants(bullId: string): boolean;
  completed(bullId: string, returnvalue: string | undefined): void;
  failed(bullId: string, failedReason: string | undefined): void;
  progress(bullId: string, data: string | undefined): void;
}

/** Entries read at most at once. */
const batch = 1000;

type XReadReply = [string, [string, string[]][]][] | null;

export class EventReader {
  #last = "$";
  readonly #reads: BlockingReads<XReadReply>;

  constructor(
    readonly client: RedisClient,
    readonly stream: string,
    readonly handlers: ChunkEventHandlers,
    /** How long one blocking read waits for new entries, in ms. */
    readonly blockMs = 5000,
  ) {
    this.#reads = new BlockingReads(
      () => client.xread("COUNT", batch, "BLOCK", blockMs, "STREAMS", stream, this.#last),
      (reply) => this.#handle(reply),
    );
  }

  /** Notes where the stream ends now, then reads on from there until `stop()`; resolves once it reads. */
  async start(): Promise<void> {
    const [newest] = await this.client.xrevrange(this.stream, "+", "-", "COUNT", 1);
    this.#last = newest?.[0] ?? "0-0";
    this.#reads.start();
  }

  /** Stops reading; resolves once the loop has ended (its connection must be cut for a read in progress to end). */
  stop(): Promise<void> {
    return this.#reads.stop();
  }

  #handle(reply: XReadReply): void {
    for (const [id, fields] of reply?.[0]?.[1] ?? []) {
      this.#last = id;
      try {
        this.#dispatch(fields);
      } catch {
        // Not an entry of ours, or one that does not read: passed over, as any other entry would be.
      }
    }
  }

  #dispatch(fields: unknown): void {
    if (!Array.isArray(fields)) return;
    const entry = new Map<string, string>();
    for (let i = 0; i + 1 < fields.length; i += 2) {
      if (typeof fields[i] === "string" && typeof fields[i + 1] === "string")
        entry.set(fields[i] as string, fields[i + 1] as string);
    }
    // BullMQ's field: the id of the BullMQ job, one chunk's message, not of a weft job.
    const bullId = entry.get("jobId");
    if (bullId === undefined || !this.handlers.wants(bullId)) return;
    switch (entry.get("event")) {
      case "completed":
        return this.handlers.completed(bullId, entry.get("returnvalue"));
      case "failed":
        return this.handlers.failed(bullId, entry.get("failedReason"));
      case "progress":
        return this.handlers.progress(bullId, entry.get("data"));
    }
  }
}
