// Who a client is, and what the service tells about itself: quotas per client behind a reverse proxy
// (trustProxy) and per token; a `?token=` kept out of the request log; a failed benchmark told
// in a fixed line that names none of the server's files.
import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { checkLeaks } from "../support/leaks.ts";
import { assertError, crashTasks, fixtureTasks, runJobs, serve, unknownId, untilCancelled } from "./http.ts";

checkLeaks();

const forwardedFor = (address: string) => ({ "x-forwarded-for": address });

describe("quotas", { timeout: 60_000 }, () => {
  test("behind a trusted proxy, each forwarded client has its own quota", async () => {
    await using server = await serve({
      tasks: [fixtureTasks, crashTasks],
      maxPerClient: 1,
      trustProxy: "127.0.0.1",
    });
    const submit = (address: string) =>
      server.request("POST", "/api/jobs", { body: untilCancelled, headers: forwardedFor(address) });
    assert.equal((await submit("203.0.113.1")).status, 202);
    assertError(await submit("203.0.113.1"), 429, "too_many_jobs", /already has 1 jobs/);
    assert.equal((await submit("203.0.113.2")).status, 202, "another client behind the same proxy");
  });

  test("without trustProxy, X-Forwarded-For is not believed: a client cannot get a quota of its own by sending one", async () => {
    await using server = await serve({ tasks: [fixtureTasks, crashTasks], maxPerClient: 1 });
    const submit = (address: string) =>
      server.request("POST", "/api/jobs", { body: untilCancelled, headers: forwardedFor(address) });
    assert.equal((await submit("203.0.113.1")).status, 202);
    assertError(await submit("203.0.113.2"), 429, "too_many_jobs", /already has 1 jobs/);
  });

  test("with several tokens, each token has its own quota; a token not given is 401", async () => {
    await using server = await serve({
      tasks: [fixtureTasks, crashTasks],
      maxPerClient: 1,
      token: ["alpha-secret", "beta-secret"],
    });
    const submit = (token: string) =>
      server.request("POST", "/api/jobs", {
        body: untilCancelled,
        headers: { authorization: `Bearer ${token}` },
      });
    assert.equal((await submit("alpha-secret")).status, 202);
    assertError(await submit("alpha-secret"), 429, "too_many_jobs", /already has 1 jobs/);
    assert.equal((await submit("beta-secret")).status, 202, "the same address, another token");
    assertError(await submit("gamma-secret"), 401, "unauthorized", /token/);
  });
});

describe("what the service tells", { timeout: 120_000 }, () => {
  test("with logging on, a ?token= in a URL is logged as [redacted]", async () => {
    const lines: string[] = [];
    await using server = await serve({ token: "s3cret-token", log: { write: (line) => lines.push(line) } });
    const report = await server.request("GET", `/api/jobs/${unknownId}/report?token=s3cret-token`);
    assert.equal(report.status, 404);
    const events = await server.events("?limit=1&token=s3cret-token");
    assert.equal(events.status, 200);
    events.close();
    assert.equal((await server.request("GET", "/api/jobs?token=s3cret-token")).status, 401);
    const log = lines.join("");
    assert.match(log, /\/report\?token=\[redacted\]/, "the requests are logged");
    assert.match(log, /\/api\/events\?limit=1&token=\[redacted\]/);
    assert.doesNotMatch(log, /s3cret-token/);
  });

  test("a failed bench job's error is a fixed line naming none of the server's files; the log has the details", async (t) => {
    // A bench process that cannot start: its command line and output name the server's files.
    const saved = process.env.NODE_OPTIONS;
    process.env.NODE_OPTIONS = `--require ${join(tmpdir(), "weft-no-such-module", "missing.cjs")}`;
    t.after(() => {
      if (saved === undefined) delete process.env.NODE_OPTIONS;
      else process.env.NODE_OPTIONS = saved;
    });
    const logged = t.mock.method(console, "error", () => undefined);
    await using server = await serve();
    const events = await server.events();
    const [job] = await runJobs(server, events, t, [
      { type: "bench", workloads: ["pi"], workers: [1], quick: true, repeat: 1 },
    ]);
    assert.equal(job!.state, "failed");
    assert.equal(
      job!.error,
      "the benchmark failed (weft bench exited with code 1); the server's log has its output",
    );
    const repo = fileURLToPath(new URL("../..", import.meta.url));
    for (const place of [repo, tmpdir(), process.execPath, "weft-no-such-module", "bin/weft"]) {
      assert.ok(!job!.error?.includes(place), `the error names ${place}`);
    }
    assert.ok(
      logged.mock.calls.some((call) => String(call.arguments[1]).includes("weft-no-such-module")),
      "the log has what failed",
    );
  });
});
