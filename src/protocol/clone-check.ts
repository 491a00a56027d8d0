// Finds which value keeps a message from being cloned, so the error can name it. Runs only after a failure.
import { preview } from "./serialized-errors.ts";

/** Describes the first value in `values` that structured clone rejects, or undefined if none does. */
export function firstUncloneable(
  values: readonly unknown[],
): { index: number; description: string } | undefined {
  for (let index = 0; index < values.length; index++) {
    try {
      structuredClone(values[index]);
    } catch (error) {
      return { index, description: `${preview(values[index])}: ${(error as Error).message}` };
    }
  }
  return undefined;
}

export const cloneAdvice =
  "values that cross to a worker must be structured-cloneable (plain objects, arrays, strings, numbers, " +
  "Map, Set, Date, typed arrays); functions, symbols, class instances' methods and handles are not";
