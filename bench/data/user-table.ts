// The user table of the join workload, read the same way by the readline loop (once, in its own
// process) and by weft's workers (each its own copy, loaded by a broadcast): user id to country.
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { parseUser } from "./log-format.ts";

export type Countries = ReadonlyMap<string, string>;

export async function readCountries(path: string): Promise<Countries> {
  const countries = new Map<string, string>();
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of lines) {
    const [user, country] = parseUser(line);
    countries.set(user, country);
  }
  return countries;
}

export function countryOf(countries: Countries, user: string): string {
  const country = countries.get(user);
  if (country === undefined) throw new Error(`user ${user} is not in the user table`);
  return country;
}
