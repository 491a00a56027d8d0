// Results a worker thread moves to the pool instead of copying: buffers a task marked with
// transfer(). Marks are kept per thread, on the global object (a task module may import another copy
// of weft), and taken by the runtime when it sends the chunk's outcome.
import { isWorker } from "./worker-scope.ts";

const globals = globalThis as unknown as Record<symbol, ArrayBuffer[] | undefined>;
const marked = (globals[Symbol.for("weft.transfers")] ??= []);

/**
 * Marks a buffer a task returns (an ArrayBuffer, or a typed array or Buffer that spans its whole
 * buffer) to be moved to the pool rather than copied, when the worker is a thread: the worker's copy
 * becomes empty (detached) once the chunk's result is sent, so do not keep using it. On processes
 * and a cluster it is copied once, as every result is; on `sequential` nothing is copied at all.
 * A view over part of a buffer is copied: the rest of the buffer may hold other values.
 *
 * @example
 * export const render = task(import.meta.url, (tile: Tile) => transfer(drawTile(tile)));
 */
export function transfer<T extends ArrayBuffer | ArrayBufferView>(value: T): T {
  if (!isWorker()) return value;
  const buffer = ArrayBuffer.isView(value) ? value.buffer : value;
  const whole =
    !ArrayBuffer.isView(value) || (value.byteOffset === 0 && value.byteLength === buffer.byteLength);
  if (buffer instanceof ArrayBuffer && whole) marked.push(buffer);
  return value;
}

/** The buffers marked since the last call, each once, that can still be moved. */
export function takeTransfers(): ArrayBuffer[] {
  if (marked.length === 0) return [];
  // `detached` is ES2024, which the compiler's library here predates; Node.js 22 has it.
  const buffers = [...new Set(marked)].filter((b) => (b as { detached?: boolean }).detached !== true);
  marked.length = 0;
  return buffers;
}
