// After each test: no worker thread is left running and no timer or socket is left open.
import assert from "node:assert/strict";
import { afterEach, beforeEach } from "node:test";
import { liveThreadCount } from "../../src/backends/threads/threads-backend.ts";

const watched = new Set([
  "Timeout",
  "Immediate",
  "TCPSocketWrap",
  "TCPServerWrap",
  "PipeWrap",
  "ProcessWrap",
]);

function openHandles(): string[] {
  return process.getActiveResourcesInfo().filter((r) => watched.has(r));
}

/** Registers the leak check for every test of the calling file. */
export function checkLeaks(): void {
  let before: string[] = [];
  beforeEach(() => {
    before = openHandles();
  });
  afterEach(async () => {
    // Let handles that close on the next turn (a worker's exit event, a pump) finish first.
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(liveThreadCount(), 0, "a worker thread was left running: close the pool");
    const after = openHandles();
    assert.ok(
      after.length <= before.length,
      `handles left open: ${after.join(", ")} (before: ${before.join(", ")})`,
    );
  });
}
