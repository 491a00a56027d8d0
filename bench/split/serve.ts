// Inside a hand-split worker: runs the handler each message names on the part it carries, and posts the
// answer back under the message's id, handing over a typed array's memory instead of copying it.
import { parentPort } from "node:worker_threads";
import * as handlers from "./handlers.ts";
import type { SplitReply, SplitRequest } from "./protocol.ts";

function answer({ id, kind, part }: SplitRequest): SplitReply {
  try {
    return { id, answer: (handlers[kind] as (part: unknown) => unknown)(part) };
  } catch (error) {
    return { id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
}

parentPort?.on("message", (request: SplitRequest) => {
  const reply = answer(request);
  const value = "answer" in reply ? reply.answer : undefined;
  const transfer = ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer ? [value.buffer] : [];
  parentPort!.postMessage(reply, transfer);
});
