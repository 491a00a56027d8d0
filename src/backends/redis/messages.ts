// The small messages that cross Redis beside chunks: control messages on the pub/sub channel, worker
// heartbeats, and the envelopes of direct calls (a chunk sent to one worker by itself) and of their
// answers. Anyone who can write to the cluster's Redis can write these, so each is parsed and its
// shape checked before use: a malformed one is refused with the reason, never trusted, and never
// crashes its reader.
import type { ControlMessage, CoordinatorBeat, RedisPrimary, WorkerBeat } from "./keys.ts";
import type { ChunkMessage } from "./wire.ts";

/** A message that failed its check: `why` says what is wrong with it. */
export interface Refused {
  readonly refused: string;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isName = (v: unknown): v is string => typeof v === "string" && v !== "" && v.length <= 256;

function parseJson(text: unknown): unknown {
  if (typeof text !== "string") throw new TypeError(`it is ${typeof text}, not text`);
  return JSON.parse(text) as unknown;
}

/** A control message from its JSON text, or why it was refused. */
export function parseControl(text: unknown): ControlMessage | Refused {
  let value: unknown;
  try {
    value = parseJson(text);
  } catch (error) {
    return { refused: `not JSON (${(error as Error).message})` };
  }
  if (!isObject(value)) {
    const kind = value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
    return { refused: `not an object but ${kind}` };
  }
  switch (value.action) {
    case "abort":
    case "stop": {
      const { chunkId, reason } = value;
      if (!isName(chunkId)) return { refused: `${value.action} without a chunk id` };
      if (!isObject(reason) || typeof reason.name !== "string" || typeof reason.message !== "string")
        return { refused: `${value.action} without a reason (name and message)` };
      return {
        action: value.action,
        chunkId,
        reason: { name: reason.name.slice(0, 256), message: reason.message.slice(0, 10_000) },
      };
    }
    case "forget":
      if (!isName(value.coordinator)) return { refused: "forget without a coordinator id" };
      if (!isCount(value.jobId)) return { refused: "forget without a job id" };
      return { action: "forget", coordinator: value.coordinator, jobId: value.jobId };
    default:
      return { refused: `unknown action ${JSON.stringify(value.action) ?? "undefined"}` };
  }
}

export function isRefused<T extends object>(parsed: T | Refused): parsed is Refused {
  return "refused" in parsed;
}

/** A heartbeat's JSON text as an object, or undefined if it is missing or not a JSON object. */
function heartbeatObject(text: string | null): Record<string, unknown> | undefined {
  if (text === null) return undefined;
  try {
    const value = parseJson(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A worker's heartbeat from its JSON text, or undefined if it is not one (not written by a worker). */
export function parseBeat(text: string | null): WorkerBeat | undefined {
  const value = heartbeatObject(text);
  if (!value) return undefined;
  const counts = ["pid", "concurrency", "cores", "running", "done", "failed"] as const;
  if (!isName(value.id) || typeof value.host !== "string" || !counts.every((k) => isCount(value[k])))
    return undefined;
  if (!Array.isArray(value.tasks) || !value.tasks.every((t) => typeof t === "string")) return undefined;
  return {
    id: value.id,
    host: value.host,
    pid: value.pid as number,
    concurrency: value.concurrency as number,
    cores: value.cores as number,
    maxHeapMb: isCount(value.maxHeapMb) ? value.maxHeapMb : 0,
    tasks: value.tasks,
    startedAt: typeof value.startedAt === "string" ? value.startedAt : "",
    running: value.running as number,
    done: value.done as number,
    failed: value.failed as number,
    skipped: isCount(value.skipped) ? value.skipped : 0,
    jobs: isCount(value.jobs) ? value.jobs : 0,
    ...primaryIn(value),
  };
}

/** A coordinator's heartbeat from its JSON text, or undefined if it is not one. */
export function parseCoordinatorBeat(text: string | null): CoordinatorBeat | undefined {
  const value = heartbeatObject(text);
  if (!value || !isName(value.id) || typeof value.host !== "string" || !isCount(value.pid)) return undefined;
  return {
    id: value.id,
    host: value.host,
    pid: value.pid,
    startedAt: typeof value.startedAt === "string" ? value.startedAt : "",
    ...primaryIn(value),
  };
}

/** The `redis` field of a heartbeat, if it is a primary's address and a time. */
function primaryIn(beat: Record<string, unknown>): { redis?: RedisPrimary } {
  const { redis } = beat;
  if (!isObject(redis) || !isName(redis.address) || typeof redis.since !== "string") return {};
  return { redis: { address: redis.address, since: redis.since.slice(0, 64) } };
}

/** What a worker reports on a chunk it took: its id, and whether the chunk's tasks are loaded and it runs. */
/**
 * A chunk a coordinator sends one worker by itself, through the worker's inbox: for one of its
 * threads (an actor's), or for all of them, and every thread that replaces one later (a broadcast).
 * `message` is the chunk as the queue carries it, checked like any chunk when it is read.
 */
export interface DirectCall {
  readonly call: number;
  readonly coordinator: string;
  readonly thread: number | "all";
  readonly message: ChunkMessage;
}

/** A worker's answer to a direct call: one chunk reply (wire.ts) per thread it ran on. */
export interface DirectAnswer {
  readonly call: number;
  readonly worker: string;
  readonly replies: readonly string[];
}

function parseObject(text: unknown): Record<string, unknown> | Refused {
  let value: unknown;
  try {
    value = parseJson(text);
  } catch (error) {
    return { refused: `not JSON (${(error as Error).message})` };
  }
  return isObject(value) ? value : { refused: "not an object" };
}

/** A direct call from its JSON text, or why it was refused. */
export function parseDirectCall(text: unknown): DirectCall | Refused {
  const value = parseObject(text);
  if (isRefused(value)) return value;
  const { call, coordinator, thread, message } = value;
  if (!isCount(call)) return { refused: "no call number" };
  if (!isName(coordinator)) return { refused: "no coordinator id" };
  if (thread !== "all" && !isCount(thread)) return { refused: "neither a thread number nor all threads" };
  if (!isObject(message) || typeof message.spec !== "string" || typeof message.payload !== "string")
    return { refused: "no chunk message" };
  return { call, coordinator, thread, message: { spec: message.spec, payload: message.payload } };
}

/** A direct call's answer from its JSON text, or why it was refused. */
export function parseDirectAnswer(text: unknown): DirectAnswer | Refused {
  const value = parseObject(text);
  if (isRefused(value)) return value;
  const { call, worker, replies } = value;
  if (!isCount(call)) return { refused: "no call number" };
  if (!isName(worker)) return { refused: "no worker id" };
  if (!Array.isArray(replies) || !replies.every((r) => typeof r === "string"))
    return { refused: "no replies" };
  return { call, worker, replies };
}
