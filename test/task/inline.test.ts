// Inline functions: what may travel as source, and the error that names what may not.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CapturedVariableError } from "../../src/index.ts";
import { compileInline, inlineTaskRef } from "../../src/task/inline.ts";

const roundTrip = async (fn: (...args: never[]) => unknown) => compileInline(await inlineTaskRef(fn));

test("self-contained functions survive the trip as source", async () => {
  assert.equal((await roundTrip((n: number) => n + 1))(1), 2);
  const fib = await roundTrip(function fib(n: number): number {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
  });
  assert.equal(fib(10), 55);
  const spread = await roundTrip(({ a, b }: { a: number; b: number }, ...rest: number[]) => [
    a + b,
    rest.length,
  ]);
  assert.deepEqual(spread({ a: 1, b: 2 }, 3, 4), [3, 2]);
  const helpers = (s: string) => {
    const inner = (x: string) => x.toUpperCase();
    return JSON.stringify([inner(s), Math.PI > 3]);
  };
  assert.equal((await roundTrip(helpers))("a"), '["A",true]');
  const method = {
    twice(this: void, n: number) {
      return 2 * n;
    },
  }.twice;
  assert.equal((await roundTrip(method))(4), 8);
});

test("a captured variable is named, with what to do", async () => {
  const limit = 10;
  const scale = (n: number) => n;
  await assert.rejects(
    () => inlineTaskRef((n: number) => scale(n) < limit),
    (e: CapturedVariableError) => {
      assert.deepEqual(e.variables, ["limit", "scale"]);
      assert.match(e.message, /'limit', 'scale'/);
      assert.match(e.message, /Move the function into a task module/);
      return true;
    },
  );
});

test("globals are not captures", async () => {
  await inlineTaskRef((s: string) => new Map([[s, Number.parseInt(s, 10)]]));
  await inlineTaskRef(async () => structuredClone(await Promise.resolve([1])));
});
