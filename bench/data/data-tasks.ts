// The tasks of `npm run bench:data`, which weft's workers import by this module's URL: the field
// readers of log-format.ts, which the sequential loop calls directly, the small helpers of the keyed
// operations, the join's user table (user-table.ts), and the answer's digest (answers.ts), computed
// on the workers so the keyed results never come to the calling process.
import { task } from "../../src/index.ts";
import { fnv1a } from "./answers.ts";
import * as format from "./log-format.ts";
import { countryOf, readCountries, type Countries } from "./user-table.ts";

export const wordsOf = task(import.meta.url, format.wordsOf);
export const userOf = task(import.meta.url, format.userOf);
export const routeOf = task(import.meta.url, format.routeOf);
export const bytesOf = task(import.meta.url, format.bytesOf);

/** A word is its own key. */
export const itself = task(import.meta.url, (word: string) => word);
export const one = task(import.meta.url, () => 1);
export const add = task(import.meta.url, (a: number, b: number) => a + b);

/** This worker's copy of the user table, read by `loadCountries`, which the join broadcasts first. */
let countries: Countries | undefined;
export const loadCountries = task(import.meta.url, async (path: string) => {
  countries = await readCountries(path);
  return countries.size;
});
export const countryOfLine = task(import.meta.url, (line: string) => {
  if (!countries) throw new Error("the user table is not loaded here: broadcast loadCountries first");
  return countryOf(countries, format.userOf(line));
});

/** An answer in parts, to be added up: keys, the sum of the values, the checksum (answers.ts). */
export type Digest = [keys: number, total: number, checksum: bigint];

export const digestOfPair = task(import.meta.url, ([key, value]: [string, number]): Digest => [
  1,
  value,
  BigInt(fnv1a(key)) * BigInt(value),
]);
export const digestOfKey = task(import.meta.url, (key: string): Digest => [1, 1, BigInt(fnv1a(key))]);
export const addDigests = task(import.meta.url, (a: Digest, b: Digest): Digest => [
  a[0] + b[0],
  a[1] + b[1],
  a[2] + b[2],
]);
