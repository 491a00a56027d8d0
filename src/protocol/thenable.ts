// The one test for "did this step go async?", run on every item's result.

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  // Primitives first: looking up `then` on a boolean or number walks its prototype, on every item.
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === "function"
  );
}
