// What an operator runs the service with: probes without a token (/healthz, /readyz), a drain on
// SIGTERM that refuses new jobs and lets the running ones finish, and a JSON request log with the
// request id and the job id on its lines and never a token. Gated jobs end when the test opens them.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { exited, pollUntil, weftBin, within } from "../cluster/helpers.ts";
import { checkLeaks } from "../support/leaks.ts";
import { assertError, fixtureTasks, gatedJob, gateTasks, serve } from "./http.ts";

checkLeaks();

test("the probes answer without a token; /readyz says why it is not ready", async () => {
  await using server = await serve({ tasks: [fixtureTasks, gateTasks], token: "s3cret" });
  const health = await fetch(`${server.url}/healthz`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: "ok" });
  const ready = await fetch(`${server.url}/readyz`);
  assert.equal(ready.status, 200);
  assert.deepEqual(await ready.json(), { status: "ready" });
  assert.equal((await fetch(`${server.url}/api/jobs`)).status, 401, "the API still asks for the token");
});

test("a draining server refuses new jobs, says it is not ready, and lets its running job finish", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "weft-drain-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await using server = await serve({ tasks: [fixtureTasks, gateTasks] });
  const gate = join(dir, "open");
  const job = await server.submit(gatedJob(gate));
  await pollUntil(
    async () => ((await server.job(job.id)).state === "running" ? true : undefined),
    20_000,
    "the job running",
  );

  const drained = server.running.drain(60_000);
  assertError(
    await server.request("POST", "/api/jobs", { body: gatedJob(gate) }),
    503,
    "draining",
    /the service is stopping and takes no new jobs/,
  );
  const ready = await fetch(`${server.url}/readyz`);
  assert.equal(ready.status, 503);
  assert.deepEqual(await ready.json(), { status: "not ready", problems: ["the service is stopping"] });
  assert.equal((await server.job(job.id)).state, "running", "the drain waits for it");

  writeFileSync(gate, "open");
  await within(drained, 20_000, "the drain ending with the job");
  assert.equal((await server.job(job.id)).state, "completed");
});

test("weft serve on SIGTERM drains and exits 0; --log json writes request and job ids, never the token", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "weft-serve-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const token = "tok-3a9f-very-secret";
  const child = spawn(
    process.execPath,
    [
      weftBin,
      "serve",
      "--port",
      "0",
      "--db",
      ":memory:",
      "--workers",
      "1",
      "--tasks",
      gateTasks,
      "--token",
      token,
      "--log",
      "json",
      "--drain-timeout",
      "60",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited(child);
  });
  let stdout = "";
  child.stdout.on("data", (data: Buffer) => (stdout += data.toString()));
  child.stderr.on("data", (data: Buffer) => (stdout += data.toString()));
  const url = await pollUntil(
    () => Promise.resolve(/API at (http:\/\/\S+)/.exec(stdout)?.[1]),
    30_000,
    "the server starting",
  );
  const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const gate = join(dir, "open");
  const created = await fetch(`${url}/api/jobs`, {
    method: "POST",
    headers: auth,
    body: JSON.stringify(gatedJob(gate)),
  });
  assert.equal(created.status, 202);
  const { job } = (await created.json()) as { job: { id: string } };
  await fetch(`${url}/api/events?token=${token}`).then((r) => r.body?.cancel());
  await pollUntil(
    async () => {
      const reply = await fetch(`${url}/api/jobs/${job.id}`, { headers: auth });
      return ((await reply.json()) as { job: { state: string } }).job.state === "running" ? true : undefined;
    },
    20_000,
    "the job running",
  );

  child.kill("SIGTERM");
  await pollUntil(
    () => Promise.resolve(/draining: no new jobs/.test(stdout) ? true : undefined),
    20_000,
    "the drain starting",
  );
  const refused = await fetch(`${url}/api/jobs`, {
    method: "POST",
    headers: auth,
    body: JSON.stringify(gatedJob(gate)),
  });
  assert.equal(refused.status, 503);
  writeFileSync(gate, "open");
  const [code] = (await within(once(child, "exit"), 30_000, "weft serve exiting")) as [number | null];
  assert.equal(code, 0, stdout);

  const lines = stdout.split("\n").filter((line) => line.startsWith("{"));
  const entries = lines.map(
    (line) => JSON.parse(line) as { reqId?: string; jobId?: string; msg?: string; req?: { jobId?: string } },
  );
  assert.ok(entries.length > 0, "JSON log lines");
  assert.ok(entries.every((e) => typeof e.reqId === "string" || e.reqId === undefined));
  assert.ok(entries.some((e) => e.msg === "job submitted" && e.jobId === job.id && e.reqId !== undefined));
  assert.ok(
    entries.some((e) => e.msg === "request completed" && e.jobId === job.id),
    "the submission's own request line names the job it made",
  );
  assert.ok(
    entries.some((e) => e.req?.jobId === job.id),
    "a request about the job names it",
  );
  assert.doesNotMatch(stdout, new RegExp(token), "the token is never written");
});
