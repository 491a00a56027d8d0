// The cluster's queue and its replies as Redis holds them: plain lists of text entries, one line of
// header per field, so that a worker, a coordinator and the Lua check of what Redis still holds
// (chunk-census.ts) read a chunk's id without decoding its data.
//
// A queued chunk:  <chunk id>\n<coordinator id>\n<start | quiet>\n<plan>\n<chunk>
// A reply:         <chunk id>\nstarted          (it runs: its deadline counts from now)
//                  <chunk id>\nreply\n<reply>   (how it ended, wire.ts)
//
// Anyone who can write to the cluster's Redis can push entries, so each is checked as it is read.
import type { ChunkMessage } from "./wire.ts";
import { MalformedMessageError } from "./wire.ts";

/** A chunk as it waits in the queue and in the list of the worker that took it. */
export interface QueuedChunk {
  /** One sending of a chunk: `<coordinator id>-<job id>-<chunk seq>-<send number>`. */
  readonly id: string;
  /** Where the reply goes. */
  readonly coordinator: string;
  /** Whether the coordinator wants to hear when it starts (its job has a deadline). */
  readonly reportStart: boolean;
  readonly message: ChunkMessage;
}

export type ReplyEntry =
  | { readonly id: string; readonly kind: "started" }
  | { readonly id: string; readonly kind: "reply"; readonly reply: string };

/** Ids and coordinator ids: what a key may be built from, and nothing that breaks a header line. */
const isId = (text: string | undefined): text is string => text !== undefined && /^[\w.-]{1,256}$/.test(text);

export function encodeQueued({ id, coordinator, reportStart, message }: QueuedChunk): string {
  return `${id}\n${coordinator}\n${reportStart ? "start" : "quiet"}\n${message.spec}\n${message.payload}`;
}

/**
 * The chunk an entry holds. A header that does not parse throws a {@link MalformedMessageError}
 * (nobody can be told); the plan and chunk themselves are checked when decoded (wire.ts).
 */
export function parseQueued(text: string): QueuedChunk {
  const [id, coordinator, start, spec, payload, ...rest] = text.split("\n", 6);
  if (!isId(id)) throw new MalformedMessageError("a queued chunk without an id");
  if (!isId(coordinator)) throw new MalformedMessageError(`queued chunk ${id} names no coordinator`);
  if (
    (start !== "start" && start !== "quiet") ||
    spec === undefined ||
    payload === undefined ||
    rest.length > 0
  )
    throw new MalformedMessageError(
      `queued chunk ${id} is not <id>, <coordinator>, <start>, <plan>, <chunk>`,
    );
  return { id, coordinator, reportStart: start === "start", message: { spec, payload } };
}

/** The chunk id an entry of the queue, of a worker's taken list or of a replies list starts with. */
export function idOf(entry: string): string {
  const end = entry.indexOf("\n");
  return end < 0 ? entry : entry.slice(0, end);
}

export const startedEntry = (id: string) => `${id}\nstarted`;
export const replyEntry = (id: string, reply: string) => `${id}\nreply\n${reply}`;

/** A reply from its entry, or undefined if it is not one (it is passed over). */
export function parseReplyEntry(text: string): ReplyEntry | undefined {
  const [id, kind, reply, ...rest] = text.split("\n", 4);
  if (!isId(id) || rest.length > 0) return undefined;
  if (kind === "started" && reply === undefined) return { id, kind };
  if (kind === "reply" && reply !== undefined) return { id, kind, reply };
  return undefined;
}
