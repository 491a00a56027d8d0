// What travels through Redis between a coordinator and the cluster's workers: chunks and their
// outcomes as V8-serialized data (Maps, BigInts and typed arrays survive, as between threads),
// size-limited and checked on arrival. Data only: tasks are named, never sent as code.
import { deserialize, serialize } from "node:v8";
import {
  CloneError,
  InterruptedError,
  OptionError,
  TimeoutError,
  WorkerCrashedError,
  WorkerError,
  type WeftError,
} from "../../errors.ts";
import {
  inputLength,
  type Chunk,
  type ChunkOutcome,
  type JobSpec,
  type Stage,
  type Terminal,
} from "../../protocol/plan.ts";
import type { ModuleTaskRef, TaskRef } from "../../protocol/task-ref.ts";
import { dataInputProblem, dataPartialFits, dataTerminalProblem } from "./data-wire.ts";
import { maxConcurrency } from "../../task/task.ts";

/** Message parts (a chunk, a plan, a reply) larger than this are refused on both sides; a chunk that big should be split. */
export const maxMessageBytes = 64 * 1024 * 1024;

/**
 * The most items a chunk may hold, refused on both sides beyond it. Bytes alone do not bound the work
 * a message asks for: a range of 9e15 numbers, or a sparse array of 4,294,967,295 holes, fits in a few
 * hundred bytes. The scheduler never cuts a chunk this big by itself (it aims at 40 ms of work, and no
 * task runs at 0.6 ns an item); only a `minChunk` above it could ask for one.
 */
export const maxChunkItems = 2 ** 26;

/**
 * A chunk as a worker reads it: the job's plan with tasks named, and the chunk itself. It travels
 * as a {@link ChunkMessage}.
 */
export interface ChunkRequest {
  readonly version: 2;
  /** The coordinator's id, so a worker keeps jobs of different coordinators apart. */
  readonly coordinator: string;
  readonly spec: JobSpec;
  readonly chunk: Chunk;
}

/**
 * A chunk request as the queue carries it (queue-entries.ts): the plan and the rest apart, because a
 * coordinator encodes a job's plan once and sends the same string with each of the job's chunks.
 */
export interface ChunkMessage {
  /** The plan, from {@link encodeSpec}. */
  readonly spec: string;
  /** The version, the coordinator and the chunk, from {@link encodeChunk}. */
  readonly payload: string;
}

/** How a chunk ended on a cluster worker: its outcome, or why it could not run there. */
export type ChunkReply =
  | { readonly kind: "outcome"; readonly outcome: ChunkOutcome }
  | { readonly kind: "error"; readonly name: string; readonly message: string };

/** A message from Redis that is not what weft writes there: refused with the reason, never run. */
export class MalformedMessageError extends Error {
  override name = "MalformedMessageError";
}

/** Errors a cluster worker reports by name, rebuilt as the classes the dispatcher acts on. */
const errorClasses = new Map<string, new (message: string) => WeftError>([
  ["WorkerCrashedError", WorkerCrashedError],
  ["InterruptedError", InterruptedError],
  ["TimeoutError", TimeoutError],
  ["CloneError", CloneError],
  ["WorkerError", WorkerError],
]);

/** Why a chunk could not run on a cluster worker, as the error its class names (a WorkerError if unknown). */
export function errorOfReply(reply: { readonly name: string; readonly message: string }): WeftError {
  return new (errorClasses.get(reply.name) ?? WorkerError)(reply.message);
}

/** A job's plan with its tasks named, for every {@link ChunkMessage} of the job. */
export function encodeSpec(spec: JobSpec): string {
  return encode(spec);
}

/** A chunk's message, with its job's plan as {@link encodeSpec} encoded it. */
export function encodeChunk(coordinator: string, spec: string, chunk: Chunk): ChunkMessage {
  const items = inputLength(chunk.input);
  if (items > maxChunkItems) {
    throw new OptionError(
      `a chunk of ${items} items is over the cluster's limit of ${maxChunkItems} items a chunk: lower minChunk`,
    );
  }
  return { spec, payload: encode({ version: 2, coordinator, chunk }) };
}

export function encodeReply(reply: ChunkReply): string {
  return encode(reply);
}

function encode(value: unknown): string {
  const bytes = serialize(value);
  if (bytes.length > maxMessageBytes) {
    throw new CloneError(
      `a message of ${bytes.length} bytes is over the cluster's limit of ${maxMessageBytes}: use smaller chunks (maxChunk) or smaller items`,
    );
  }
  return bytes.toString("base64");
}

/** `field` of a message (`payload` or `spec`), decoded. */
function decodeBytes(encoded: unknown, field = "payload"): unknown {
  if (typeof encoded !== "string")
    throw new MalformedMessageError(`${field} is ${typeof encoded}, not a string`);
  // base64 grows data by 4/3: checked before decoding, so an oversized message is never decoded
  // (the entry has been read whole by then; Redis itself bounds what it stores).
  if (encoded.length > (maxMessageBytes * 4) / 3 + 4) {
    throw new MalformedMessageError(`${field} of ${encoded.length} characters is over the limit`);
  }
  try {
    return deserialize(Buffer.from(encoded, "base64"));
  } catch (error) {
    throw new MalformedMessageError(`${field} is not V8-serialized data (${(error as Error).message})`);
  }
}

/** A queued chunk's message ({@link ChunkMessage}), decoded and checked. */
export function decodeRequest(data: unknown): ChunkRequest {
  const fields = isObject(data) ? data : {};
  const head = decodeBytes(fields.payload);
  // The plan is decoded only under a version that has it apart; any other is refused for its version.
  const value =
    isObject(head) && head.version === 2 ? { ...head, spec: decodeBytes(fields.spec, "spec") } : head;
  const why = requestProblem(value);
  if (why) throw new MalformedMessageError(`not a chunk request: ${why}`);
  return value as ChunkRequest;
}

/** A worker's reply for a chunk whose job ends in `terminal`: its outcome checked against the shape that terminal merges. */
export function decodeReply(payload: unknown, terminal?: Terminal["op"]): ChunkReply {
  const value = decodeBytes(payload);
  const why = replyProblem(value, terminal);
  if (why) throw new MalformedMessageError(`not a chunk reply: ${why}`);
  return value as ChunkReply;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
const traceparent = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** The longest a chunk's pace may ask a worker to wait: a day. */
const maxPaceMs = 86_400_000;

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isSerializedError = (v: unknown) =>
  isObject(v) && typeof v.name === "string" && typeof v.message === "string";
const isItemFailure = (v: unknown) =>
  isObject(v) &&
  typeof v.task === "string" &&
  isCount(v.index) &&
  typeof v.preview === "string" &&
  isSerializedError(v.error);

function replyProblem(value: unknown, terminal: Terminal["op"] | undefined): string | undefined {
  if (!isObject(value)) return "not an object";
  if (value.kind === "error") {
    return typeof value.name === "string" && typeof value.message === "string"
      ? undefined
      : "an error without a name and message";
  }
  if (value.kind !== "outcome") return "neither an outcome nor an error";
  const outcome = value.outcome;
  if (!isObject(outcome)) return "no outcome";
  if (outcome.ok === false) return isItemFailure(outcome.failure) ? undefined : "a failure without its item";
  if (outcome.ok !== true) return "an outcome neither ok nor failed";
  if (!Number.isFinite(outcome.startedAt) || !Number.isFinite(outcome.endedAt)) return "no times";
  if (!Array.isArray(outcome.failures) || !outcome.failures.every(isItemFailure))
    return "failures that are not items";
  return terminal === undefined ? undefined : partialProblem(outcome.partial, terminal);
}

/** Whether `partial` has the shape the coordinator merges for `terminal` (src/jobs/merge.ts). */
function partialProblem(partial: unknown, terminal: Terminal["op"]): string | undefined {
  const fits = ((): boolean => {
    switch (terminal) {
      case "collect":
        return (
          Array.isArray(partial) ||
          (isObject(partial) &&
            (partial.numbers instanceof Float64Array || partial.booleans instanceof Uint8Array))
        );
      case "count":
        return isCount(partial);
      case "reduce":
        return isObject(partial) && typeof partial.has === "boolean";
      case "fold":
        return true;
      case "reduceByKey":
        return partial instanceof Map;
      case "groupBy":
        return partial instanceof Map && [...partial.values()].every(Array.isArray);
      case "call":
        return isObject(partial) && Array.isArray(partial.values) && Array.isArray(partial.failures);
      case "write":
      case "shuffle":
        return dataPartialFits(partial, terminal);
    }
  })();
  return fits ? undefined : `its partial result is not what ${terminal} combines`;
}

function requestProblem(value: unknown): string | undefined {
  if (!isObject(value)) return "not an object";
  if (value.version !== 2) return `version ${String(value.version)}, expected 2`;
  if (typeof value.coordinator !== "string" || value.coordinator === "") return "no coordinator id";
  const { spec, chunk } = value;
  if (!isObject(spec) || !isCount(spec.id) || !Array.isArray(spec.stages)) return "no job spec";
  for (const stage of spec.stages as unknown[]) {
    if (!isObject(stage) || !["map", "filter", "flatMap"].includes(stage.op as string))
      return "a stage is not map, filter or flatMap";
    if (!isNamedTask(stage.task)) return "a stage's task is not a module task";
  }
  const { concurrency } = spec;
  if (
    concurrency !== undefined &&
    !(isCount(concurrency) && concurrency >= 1 && concurrency <= maxConcurrency)
  )
    return `its concurrency is not a whole number from 1 to ${maxConcurrency}`;
  if (!isObject(spec.terminal) || typeof spec.terminal.op !== "string") return "no terminal";
  if (spec.terminal.op === "write" || spec.terminal.op === "shuffle") {
    const why = dataTerminalProblem(spec.terminal, isNamedTask);
    if (why) return why;
  } else
    for (const key of ["task", "key", "value", "combine", "with"]) {
      const ref = spec.terminal[key];
      if (ref !== undefined && !isNamedTask(ref)) return `the terminal's ${key} is not a module task`;
    }
  if (!isObject(chunk) || !isCount(chunk.jobId) || !isCount(chunk.seq) || !isCount(chunk.start))
    return "no chunk";
  if (chunk.pace !== undefined) {
    const pace = chunk.pace;
    const interval = (v: unknown) => typeof v === "number" && v >= 0 && v <= maxPaceMs;
    // Its start must be a time near now: a worker waits for it.
    const soon = (v: unknown) => typeof v === "number" && Math.abs(v - Date.now()) <= maxPaceMs;
    if (!isObject(pace) || !soon(pace.startAt) || !interval(pace.intervalMs))
      return `its pace is not a start within ${maxPaceMs} ms of now and an interval of 0 to ${maxPaceMs} ms`;
  }
  if (chunk.trace !== undefined && (typeof chunk.trace !== "string" || !traceparent.test(chunk.trace)))
    return "its trace is not a W3C traceparent (00-<32 hex>-<16 hex>-<2 hex>)";
  const input = chunk.input;
  if (!isObject(input)) return "chunk has no input";
  let items: number;
  if (input.kind === "items" && Array.isArray(input.items)) items = input.items.length;
  else if (input.kind === "typed" && ArrayBuffer.isView(input.array) && !(input.array instanceof DataView))
    items = (input.array as unknown as ArrayLike<unknown>).length;
  else if (
    input.kind === "range" &&
    [input.origin, input.step].every(Number.isFinite) &&
    isCount(input.first) &&
    isCount(input.count)
  )
    items = input.count;
  else if (input.kind === "file" || input.kind === "partition") {
    const counted = dataInputProblem(input, isNamedTask);
    if (typeof counted === "string") return counted;
    items = counted;
  } else return "chunk input is not items, a range, a typed array, file ranges or partitions";
  if (items > maxChunkItems) return `a chunk of ${items} items, over the limit of ${maxChunkItems}`;
  return undefined;
}

function isNamedTask(ref: unknown): boolean {
  return (
    isObject(ref) &&
    ref.kind === "module" &&
    typeof ref.url === "string" &&
    isCount(ref.index) &&
    (ref.name === undefined || typeof ref.name === "string")
  );
}

/** The chunk with its tasks renamed (a partition's combine travels in the chunk), as {@link renameTasks} renames a plan's. */
export function renameChunkTasks(chunk: Chunk, rename: (ref: ModuleTaskRef) => ModuleTaskRef): Chunk {
  const { input } = chunk;
  if (input.kind !== "partition" || input.keyed.kind !== "reduceByKey") return chunk;
  const combine = input.keyed.combine;
  if (combine.kind !== "module") throw new TypeError("only module tasks run on a cluster");
  return { ...chunk, input: { ...input, keyed: { ...input.keyed, combine: rename(combine) } } };
}

/** The plan with every task renamed: `rename` maps a task to the reference used on the other side. */
export function renameTasks(spec: JobSpec, rename: (ref: ModuleTaskRef) => ModuleTaskRef): JobSpec {
  const one = (ref: TaskRef): ModuleTaskRef => {
    if (ref.kind !== "module") throw new TypeError("only module tasks run on a cluster");
    return rename(ref);
  };
  const stages: Stage[] = spec.stages.map((s) => ({ ...s, task: one(s.task) }));
  const t = spec.terminal;
  let terminal: Terminal;
  switch (t.op) {
    case "collect":
    case "count":
    case "write":
      terminal = t;
      break;
    case "reduceByKey":
      terminal = { ...t, key: one(t.key), combine: one(t.combine), ...(t.value && { value: one(t.value) }) };
      break;
    case "groupBy":
      terminal = { ...t, key: one(t.key) };
      break;
    case "shuffle": {
      const keyed = t.keyed.kind === "reduceByKey" ? { ...t.keyed, combine: one(t.keyed.combine) } : t.keyed;
      terminal = { ...t, keyed, ...(t.key && { key: one(t.key) }), ...(t.value && { value: one(t.value) }) };
      break;
    }
    case "call":
      terminal = { ...t, task: one(t.task), ...(t.with && { with: one(t.with) }) };
      break;
    default:
      terminal = { ...t, task: one(t.task) };
  }
  return { ...spec, stages, terminal };
}
