// The web-workers backend is for web pages: asked for in Node.js, which has no DOM Worker, weft()
// refuses it at once, saying which backend to use instead, and leaves nothing running.
import assert from "node:assert/strict";
import { test } from "node:test";
import { OptionError, weft } from "../../src/index.ts";
import { checkLeaks } from "../support/leaks.ts";

checkLeaks();

test("weft({ backend: 'web-workers' }) in Node.js is refused with the backend to use", async () => {
  await assert.rejects(
    weft({ backend: "web-workers", workers: 2 }),
    (error: Error) =>
      error instanceof OptionError &&
      /runs in a web page/.test(error.message) &&
      /use "threads"/.test(error.message),
  );
});
