// Parsers for option values: each turns a string into a typed value or says what was expected.
import { InvalidArgumentError } from "@commander-js/extra-typings";

export function positiveInteger(value: string): number {
  const n = Number(value.replaceAll("_", ""));
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}

export function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < 0) {
    throw new InvalidArgumentError(`expected an integer of 0 or more, got "${value}"`);
  }
  return n;
}

/** "1,2,4" → [1, 2, 4], sorted, without repeats. */
export function workerCounts(value: string): number[] {
  const counts = value.split(",").map((part) => {
    const n = Number(part.trim());
    if (!Number.isInteger(n) || n < 1 || n > 1024) {
      throw new InvalidArgumentError(
        `expected worker counts from 1 to 1024 separated by commas, such as 1,2,4; got "${value}"`,
      );
    }
    return n;
  });
  return [...new Set(counts)].sort((a, b) => a - b);
}

export function fraction(value: string): number {
  const f = Number(value);
  if (value.trim() === "" || !(f >= 0 && f < 1)) {
    throw new InvalidArgumentError(
      `expected a fraction from 0 up to (not including) 1, such as 0.1; got "${value}"`,
    );
  }
  return f;
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !(n > 0) || !Number.isFinite(n)) {
    throw new InvalidArgumentError(`expected a positive number, got "${value}"`);
  }
  return n;
}

/** A JSON array, such as '[1, 2, 3]' or '["a", "b"]'. */
export function jsonArray(value: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new InvalidArgumentError(`expected a JSON array such as '[1, 2, 3]': ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed))
    throw new InvalidArgumentError(`expected a JSON array such as '[1, 2, 3]', got ${typeof parsed}`);
  return parsed;
}

/** "0:1000" → { from: 0, to: 1000 }; "0:1000:5" also has a step. The end is excluded. */
export function numberRange(value: string): { from: number; to: number; step?: number } {
  const parts = value.split(":").map((part) => (part.trim() === "" ? NaN : Number(part.replaceAll("_", ""))));
  const [from, to, step] = parts;
  if (
    parts.length < 2 ||
    parts.length > 3 ||
    !parts.every(Number.isFinite) ||
    (step !== undefined && step <= 0)
  ) {
    throw new InvalidArgumentError(
      `expected from:to or from:to:step (numbers; to is excluded; step above 0), such as 0:1000; got "${value}"`,
    );
  }
  return { from: from!, to: to!, ...(step !== undefined && { step }) };
}
