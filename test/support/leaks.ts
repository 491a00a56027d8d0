// After each test: no worker thread is left running and no timer or socket is left open.
import assert from "node:assert/strict";
import { afterEach, beforeEach } from "node:test";
import { liveProcessCount } from "../../src/backends/processes/processes-backend.ts";
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
    // Let handles that close on the next turns finish first: a child process's handle closes in the
    // close-callbacks phase after its exit event, so two turns of the event loop (not a sleep).
    for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(liveThreadCount(), 0, "a worker thread was left running: close the pool");
    assert.equal(liveProcessCount(), 0, "a worker process was left running: close the pool");
    // Network clients (Redis) finish closing some timer turns later than processes and threads: wait
    // until they have, with a generous bound for a busy machine; a handle still open then is a leak.
    for (let wait = 0; wait < 500 && openHandles().length > before.length; wait++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const after = openHandles();
    assert.ok(
      after.length <= before.length,
      `handles left open: ${after.join(", ")} (before: ${before.join(", ")})`,
    );
  });
}
