// The event stream under clients that never read: what the server holds for such a client, read off
// the server's own end of its connection (bytes written and not yet taken by the kernel), never the
// process's memory. Flow control: droppable events are left out while a client is behind, and a
// client that falls a cap behind on job events is disconnected. Events carry no job definitions.
import assert from "node:assert/strict";
import { connect, Socket } from "node:net";
import { describe, test } from "node:test";
import type { JobView } from "../../src/server/api/types.ts";
import { checkLeaks } from "../support/leaks.ts";
import { largeDefinition, runJobs, serve, type TestServer } from "./http.ts";

checkLeaks();

/** Every open socket of this process; the server's end of a connection is one of them. */
function openSockets(): Socket[] {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  return handles.filter((handle): handle is Socket => handle instanceof Socket);
}

/**
 * A client of `GET /api/events` that reads the response's first bytes and then never reads again,
 * with the server's end of its connection, whose `writableLength` is what the server holds for it.
 */
async function stalledClient(server: TestServer) {
  const { hostname, port, host } = new URL(server.url);
  const socket = connect({ host: hostname, port: Number(port) });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.once("data", () => {
        socket.pause(); // from here on, nothing is read: the kernel's buffers fill, then the server's
        resolve();
      });
      socket.write(`GET /api/events HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    });
    const serverSide = openSockets().find(
      (s) => s.localPort === Number(port) && s.remotePort === socket.localPort,
    );
    assert.ok(serverSide, "the server's end of the stalled connection");
    return {
      serverSide,
      [Symbol.dispose]: () => socket.destroy(),
    };
  } catch (error) {
    socket.destroy();
    throw error;
  }
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

/** A job event as the service emits it, with a label `size` characters long. */
function jobEvent(id: string, size: number): JobView {
  return {
    id,
    type: "task",
    label: "x".repeat(size),
    state: "running",
    createdAt: new Date(0).toISOString(),
    progress: { done: 0, rate: 0 },
  };
}

describe("clients of the event stream that do not read", { timeout: 120_000 }, () => {
  test("chunk events are left out while a client is behind; past the cap of job events it is disconnected; a client that reads gets them all", async () => {
    const cap = 256 * 1024;
    await using server = await serve({ eventBufferBytes: cap });
    using stalled = await stalledClient(server);
    const reader = await server.events();
    const service = server.running.service;
    let most = 0;
    const measure = () => (most = Math.max(most, stalled.serverSide.writableLength));

    // 40 MB of chunk events, far past what the kernel's buffers take: they are left out, and the
    // client stays connected.
    for (let i = 0; i < 100_000; i++) {
      const chunk = {
        jobId: "chunks",
        worker: 0,
        startedAt: i,
        endedAt: i + 1,
        items: 1,
        task: "t".repeat(400),
      };
      service.emit("chunk", chunk);
      if (i % 100 === 0) measure();
      if (i % 1000 === 0) await turn();
    }
    measure();
    assert.ok(most <= cap, `the server held ${most} bytes for a client that does not read (cap ${cap})`);
    assert.equal(stalled.serverSide.destroyed, false, "chunk events alone do not disconnect a client");

    // Job events cannot be left out: past the cap the client is disconnected, not buffered for.
    let sent = 0;
    for (; sent < 4000 && !stalled.serverSide.destroyed; sent++) {
      service.emit("job", jobEvent(`job-${sent}`, 10_000));
      measure();
      if (sent % 10 === 0) await turn();
    }
    assert.ok(most <= cap, `the server held ${most} bytes for a client that does not read (cap ${cap})`);
    assert.equal(stalled.serverSide.destroyed, true, `still connected after ${sent} job events of 10 KB`);

    // The client that reads was never behind by the cap: it has every job event.
    const last = await reader.next<JobView>("job", (job) => job.id === `job-${sent - 1}`);
    assert.equal(last.label.length, 10_000);
    assert.equal(reader.events.filter((e) => e.event === "job").length, sent);
  });

  test("job events leave the definition out: 2 stalled clients and 8 jobs of 0.9 MiB each cost the server next to nothing", async (t) => {
    const cap = 1024 * 1024;
    await using server = await serve({ eventBufferBytes: cap });
    using first = await stalledClient(server);
    using second = await stalledClient(server);
    const events = await server.events();
    const definition = largeDefinition();
    assert.ok(JSON.stringify(definition).length > 900_000);
    const jobs = await runJobs(
      server,
      events,
      t,
      Array.from({ length: 8 }, () => definition),
    );
    assert.deepEqual(
      jobs.map((job) => job.state),
      Array.from({ length: 8 }, () => "completed"),
    );
    for (const stalled of [first, second]) {
      assert.equal(stalled.serverSide.destroyed, false);
      // Without definitions, all the events of 8 jobs fit in the kernel's buffers.
      assert.ok(
        stalled.serverSide.writableLength < 64 * 1024,
        `the server holds ${stalled.serverSide.writableLength} bytes for a client that does not read`,
      );
    }
    const jobEvents = events.events.filter((e) => e.event === "job").map((e) => e.data as JobView);
    assert.ok(jobEvents.length >= 8 * 3, "queued, running and completed, at least, for each job");
    assert.deepEqual(
      jobEvents.filter((job) => "definition" in job).map((job) => job.id),
      [],
      "no job event carries a definition",
    );
    // A job's own view keeps it.
    assert.deepEqual((await server.job(jobs[0]!.id)).definition, definition);
  });
});
