// perWorker() as a module sees it: what it refuses, and a value read where no worker set it up.
import assert from "node:assert/strict";
import { test } from "node:test";
import { perWorker, SetupError } from "../../src/index.ts";

test("perWorker refuses a missing URL, setup or teardown, and says what to pass", () => {
  assert.throws(() => perWorker("tasks.ts", () => 1), /pass import\.meta\.url \(got "tasks\.ts"\)/);
  assert.throws(() => perWorker(import.meta.url, 1 as never), /expected a setup function, got number/);
  assert.throws(
    () => perWorker(import.meta.url, () => 1, { teardown: "close" as never }),
    /teardown must be a function, got string/,
  );
});

test("a value read outside a task is a SetupError that says where to read it", () => {
  const value = perWorker(import.meta.url, () => 1);
  assert.throws(
    () => value.value,
    (error: unknown) =>
      error instanceof SetupError && /not set up here: read \.value inside a task/.test(error.message),
  );
});
