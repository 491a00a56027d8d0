// Tokens an organisation can live with: several, each with a scope and its own quota, kept in a file
// as digests and re-read without a restart; every refusal says why.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { tokenEntry } from "../../src/server/http/tokens.ts";
import { runWeft } from "../cluster/helpers.ts";
import { checkLeaks } from "../support/leaks.ts";
import { assertError, fixtureTasks, gatedJob, gateTasks, serve } from "./http.ts";

checkLeaks();

const tokens = { viewer: "v-token-1", submitter: "s-token-2", admin: "a-token-3", newcomer: "n-token-4" };
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

test("scopes and quotas from a tokens file: each refusal names the token, its scope and what was needed", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "weft-tokens-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "tokens.json");
  const write = (entries: unknown[]) => writeFileSync(file, JSON.stringify({ tokens: entries }));
  write([
    tokenEntry("viewer", tokens.viewer, "read"),
    tokenEntry("submitter", tokens.submitter, "submit", 1),
    tokenEntry("admin", tokens.admin, "admin"),
  ]);
  await using server = await serve({ tasks: [fixtureTasks, gateTasks], tokensFile: file });
  const gate = join(dir, "open");
  const body = gatedJob(gate);

  assert.equal((await server.request("GET", "/api/jobs", bearer(tokens.viewer))).status, 200);
  assertError(
    await server.request("POST", "/api/jobs", { ...bearer(tokens.viewer), body }),
    403,
    "forbidden",
    /^the token viewer has the read scope: submitting a job needs submit$/,
  );
  assertError(
    await server.request("GET", "/api/jobs", bearer("made-up")),
    401,
    "unauthorized",
    /a valid token/,
  );

  const mine = await server.request<{ job: { id: string } }>("POST", "/api/jobs", {
    ...bearer(tokens.submitter),
    body,
  });
  assert.equal(mine.status, 202, mine.text);
  assertError(
    await server.request("POST", "/api/jobs", { ...bearer(tokens.submitter), body }),
    429,
    "too_many_jobs",
    /already has 1 jobs queued or running/,
  );
  const theirs = await server.request<{ job: { id: string } }>("POST", "/api/jobs", {
    ...bearer(tokens.admin),
    body,
  });
  assert.equal(theirs.status, 202, theirs.text);
  assertError(
    await server.request("POST", `/api/jobs/${theirs.body.job.id}/cancel`, bearer(tokens.submitter)),
    403,
    "forbidden",
    /^the token submitter has the submit scope: cancelling a job of another client needs admin$/,
  );
  assert.equal(
    (await server.request("POST", `/api/jobs/${mine.body.job.id}/cancel`, bearer(tokens.submitter))).status,
    200,
  );
  const again = await server.request("POST", `/api/jobs/${mine.body.job.id}/resubmit`, bearer(tokens.admin));
  assert.equal(again.status, 202, "an admin resubmits another client's job");

  // Revoked and added without a restart; a bad file keeps the tokens there were.
  write([tokenEntry("admin", tokens.admin, "admin"), tokenEntry("newcomer", tokens.newcomer, "read")]);
  server.running.reloadTokens();
  assert.equal((await server.request("GET", "/api/jobs", bearer(tokens.viewer))).status, 401, "revoked");
  assert.equal((await server.request("GET", "/api/jobs", bearer(tokens.newcomer))).status, 200, "added");
  writeFileSync(file, '{"tokens":[{"name":"x","sha256":"not hex","scope":"read"}]}');
  assert.throws(
    () => server.running.reloadTokens(),
    /tokens file .* entry 1: sha256 must be the token's SHA-256/,
  );
  assert.equal((await server.request("GET", "/api/jobs", bearer(tokens.newcomer))).status, 200, "kept");
  writeFileSync(gate, "open");
});

test("weft token prints a new token once and the file's entry with only its digest", async () => {
  const { code, stdout } = await runWeft(["token", "ci", "--scope", "read", "--quota", "3"]);
  assert.equal(code, 0);
  const token = /shown once; give it to ci\): (\S+)/.exec(stdout)![1]!;
  const entry = JSON.parse(stdout.trim().split("\n").at(-1)!) as Record<string, unknown>;
  assert.deepEqual(entry, {
    name: "ci",
    sha256: createHash("sha256").update(token).digest("hex"),
    scope: "read",
    quota: 3,
  });
  assert.ok(token.length >= 32);
});
