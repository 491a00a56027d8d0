// Turning a task's thrown value into something that survives a trip between threads, and back.
import { inspect } from "node:util";
import { SetupError } from "../errors.ts";
import type { SerializedError } from "./plan.ts";

export function serializeError(thrown: unknown): SerializedError {
  if (thrown instanceof Error) return { name: thrown.name, message: thrown.message, stack: thrown.stack };
  return { name: "Error", message: `non-error value thrown: ${preview(thrown)}` };
}

/**
 * Rebuilds an error on the receiving side, keeping the original name, message and stack; a
 * {@link SetupError} comes back as one, since the pool acts on it.
 */
export function deserializeError(serialized: SerializedError): Error {
  const error =
    serialized.name === "SetupError" ? new SetupError(serialized.message) : new Error(serialized.message);
  error.name = serialized.name;
  if (serialized.stack !== undefined) error.stack = serialized.stack;
  return error;
}

/** A one-line preview of a value for error messages, at most `max` characters. */
export function preview(value: unknown, max = 80): string {
  const text = inspect(value, { depth: 2, maxArrayLength: 8, maxStringLength: max, breakLength: Infinity });
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
