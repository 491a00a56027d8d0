// Comparing a contender's answer with the sequential one, with a message that says where they differ.

/** The first difference between `got` and the first `length` items of `expected`, or undefined. */
export function firstDifference(
  expected: ArrayLike<unknown>,
  got: ArrayLike<unknown>,
  length: number,
  noun = "item",
): string | undefined {
  if (got?.length !== length) return `${String(got?.length)} ${noun}s where ${length} were expected`;
  for (let i = 0; i < length; i++) {
    if (!Object.is(expected[i], got[i])) {
      return `${noun} ${i}: expected ${String(expected[i])}, got ${String(got[i])}`;
    }
  }
  return undefined;
}
