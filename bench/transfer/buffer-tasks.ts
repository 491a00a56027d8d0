// The tasks the transfer benchmark times: each returns a new buffer of `bytes` bytes (an image a
// task rendered, say), one marked with transfer() and one returned as it is.
import { task, transfer } from "../../src/index.ts";

/** A buffer with a byte set every 4 KiB, so every page of it is really there. */
function rendered(bytes: number): Uint8Array {
  const buffer = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i += 4096) buffer[i] = 1;
  return buffer;
}

export const renderMoved = task(import.meta.url, (bytes: number) => transfer(rendered(bytes)));
export const renderCopied = task(import.meta.url, (bytes: number) => rendered(bytes));
