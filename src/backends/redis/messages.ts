// The small messages that cross Redis beside chunks: control messages on the pub/sub channel, worker
// heartbeats, and the progress a worker reports on a chunk. Anyone who can write to the cluster's
// Redis can write these, so each is parsed and its shape checked before use: a malformed one is
// refused with the reason, never trusted, and never crashes its reader.
import type { ControlMessage, WorkerBeat } from "./keys.ts";

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
      const { bullId, reason } = value;
      if (!isName(bullId)) return { refused: `${value.action} without a chunk id` };
      if (!isObject(reason) || typeof reason.name !== "string" || typeof reason.message !== "string")
        return { refused: `${value.action} without a reason (name and message)` };
      return {
        action: value.action,
        bullId,
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

/** A worker's heartbeat from its JSON text, or undefined if it is not one (not written by a worker). */
export function parseBeat(text: string | null): WorkerBeat | undefined {
  if (text === null) return undefined;
  let value: unknown;
  try {
    value = parseJson(text);
  } catch {
    return undefined;
  }
  if (!isObject(value)) return undefined;
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
  };
}

/** What a worker reports on a chunk it took: its id, and whether the chunk's tasks are loaded and it runs. */
export interface ChunkProgress {
  readonly worker: string | undefined;
  readonly running: boolean;
}

/**
 * A chunk's progress from BullMQ's event (JSON text), or undefined if it is not weft's. A bare `1` is
 * what workers before the presence watch sent once the chunk ran.
 */
export function parseProgress(text: unknown): ChunkProgress | undefined {
  let value: unknown;
  try {
    value = parseJson(text);
  } catch {
    return undefined;
  }
  if (value === 1) return { worker: undefined, running: true };
  if (!isObject(value) || !isName(value.worker)) return undefined;
  return { worker: value.worker, running: value.running === true };
}
