// The typed client's types stay in step with the service: src/client/api-types.ts is what
// openapi-typescript makes of the OpenAPI document the service's code builds now, and the one type
// written by hand (a chunk event: the document describes the event stream as text) is the server's.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { clientTypesFile, generateClientTypes } from "../../scripts/client-types/generate.ts";
import type { ChunkEvent } from "../../src/client/index.ts";
import type { ServiceEvents } from "../../src/server/api/types.ts";
import { checkLeaks } from "../support/leaks.ts";

checkLeaks();

test("src/client/api-types.ts is what the service's OpenAPI document generates now", async () => {
  const committed = readFileSync(clientTypesFile, "utf8");
  const generated = await generateClientTypes();
  assert.ok(
    committed === generated,
    "src/client/api-types.ts and the service's OpenAPI document have parted: run npm run client:types and commit the file",
  );
});

/** True when A and B are the same type, each assignable to the other; a compile error otherwise. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

test("the client's chunk event is the server's (checked by the type checker)", () => {
  const same: Same<ChunkEvent, ServiceEvents["chunk"]> = true;
  assert.equal(same, true);
});
