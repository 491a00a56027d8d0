// A Redis list used as a mailbox: entries are pushed at its tail and taken from its head, one at a
// time, in the order pushed, each handed on as it comes. A worker's inbox of direct calls and a
// coordinator's list of their answers are mailboxes.
import type { RedisClient } from "./connection.ts";
import { BlockingReads } from "./blocking-reads.ts";

export type Mailbox = BlockingReads<[string, string] | null>;

/** Reads `key` on `client` (a connection of its own) until stopped, handing each entry to `deliver`. */
export function mailbox(
  client: RedisClient,
  key: string,
  deliver: (text: string) => void,
  /** How long one blocking read waits, in seconds. */
  blockSeconds = 5,
): Mailbox {
  return new BlockingReads(
    () => client.blpop(key, blockSeconds),
    (entry) => entry && deliver(entry[1]),
  );
}
