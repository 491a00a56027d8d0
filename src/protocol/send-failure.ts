// Why a chunk could not be sent to a worker, naming the input item that cannot be copied.
import { CloneError } from "../errors.ts";
import type { Chunk, JobSpec } from "./plan.ts";
import { cloneAdvice, firstUncloneable } from "./clone-check.ts";

export function describeSendFailure(spec: JobSpec, chunk: Chunk, error: unknown): Error {
  // Threads throw a DataCloneError; IPC's serializer a plain Error saying "could not be cloned".
  const uncloneable =
    error instanceof Error && (error.name === "DataCloneError" || /could not be cloned/.test(error.message));
  if (!uncloneable) return error as Error;
  if (chunk.input.kind === "items") {
    const culprit = firstUncloneable(chunk.input.items);
    if (culprit) {
      return new CloneError(
        `input item ${chunk.start + culprit.index} cannot be sent to a worker: ${culprit.description}; ${cloneAdvice}`,
        { cause: error },
      );
    }
  }
  const zero = spec.terminal.op === "fold" ? " (check fold's initial value)" : "";
  // The engine's message may end in a full stop; the advice follows after a semicolon.
  const reason = error.message.replace(/\.$/, "");
  return new CloneError(`a job's input cannot be sent to a worker${zero}: ${reason}; ${cloneAdvice}`, {
    cause: error,
  });
}
