// The OpenAPI document a client is generated from passes Redocly's recommended rules with no error
// and no warning (an operationId on every operation, every error answer documented with the one error
// schema, the bearer scheme or none said outright, servers), with a token and without one.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createConfig, lintFromString } from "@redocly/openapi-core";
import { checkLeaks } from "../support/leaks.ts";
import { serve } from "./http.ts";

checkLeaks();

for (const token of [undefined, "s3cret"]) {
  test(`the OpenAPI document ${token ? "with" : "without"} a token passes Redocly's recommended rules`, async () => {
    await using server = await serve(token ? { token } : {});
    const reply = await server.request<Record<string, unknown>>("GET", "/openapi.json", {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    assert.equal(reply.status, 200);
    const config = await createConfig({ extends: ["recommended"] });
    const problems = await lintFromString({ source: reply.text, absoluteRef: "openapi.json", config });
    assert.deepEqual(
      problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} (${p.location[0]?.pointer ?? ""})`),
      [],
    );
  });
}
