// The four workloads of `npm run bench:data`, each twice: a hand-written sequential loop (node:readline
// over fs.createReadStream, the way one would write it without weft) and weft's file source with the
// keyed operations with partitions, merged on the workers. weft's answer digest is computed on the
// workers too (inside the timed run, where the loop's is computed after it), so no keyed result
// comes back to the calling process.
import { createReadStream } from "node:fs";
import { createInterface, type Interface } from "node:readline";
import type { Collection, Pool } from "../../src/index.ts";
import { keysAnswer, sumsAnswer, type Answer } from "./answers.ts";
import * as tasks from "./data-tasks.ts";
import type { DataFiles } from "./generate.ts";
import { bytesOf, routeOf, userOf, wordsOf } from "./log-format.ts";
import { countryOf, readCountries } from "./user-table.ts";

export const workloadNames = ["wordcount", "groupby", "distinct", "join"] as const;
export type WorkloadName = (typeof workloadNames)[number];

export type Files = Pick<DataFiles, "log" | "users">;

/** A workload's raw result: sums per key, or (a distinct count) the keys, with or without values. */
export type Keyed = ReadonlyMap<string, number> | ReadonlySet<string>;

export interface DataWorkload {
  readonly name: WorkloadName;
  readonly summary: string;
  /** The loop's result in brief, to compare across contenders; computed after the clock stops. */
  answer(result: Keyed): Answer;
  sequential(files: Files): Promise<Keyed>;
  /**
   * weft's answer, digested on the workers. `loaded` is called once the workers hold data the
   * workload's own tasks keep (the join's user table), so memory is measured from there.
   */
  weft(pool: Pool, files: Files, loaded?: () => void): Promise<Answer>;
}

/** Partitions of each shuffle: four per worker, the default, written out so the table can say it. */
export const partitions = 8;

async function answerOf(digests: Collection<tasks.Digest>): Promise<Answer> {
  const [keys, total, checksum] = await digests.reduce(tasks.addDigests, [0, 0, 0n]);
  return { keys, total, checksum: String(checksum) };
}

function lines(path: string): Interface {
  return createInterface({ input: createReadStream(path), crlfDelay: Infinity });
}

const sums = (result: Keyed) => sumsAnswer(result as ReadonlyMap<string, number>);
const keys = (result: Keyed) => keysAnswer(result.keys());

function addTo(map: Map<string, number>, key: string, value: number): void {
  map.set(key, (map.get(key) ?? 0) + value);
}

// Word count: how often each word of the message field occurs.

async function wordCountSequential({ log }: Files): Promise<Keyed> {
  const counts = new Map<string, number>();
  for await (const line of lines(log)) for (const word of wordsOf(line)) addTo(counts, word, 1);
  return counts;
}

function wordCountWeft(pool: Pool, { log }: Files): Promise<Answer> {
  return answerOf(
    pool
      .readLines(log)
      .flatMap(tasks.wordsOf)
      .reduceByKey(tasks.itself, tasks.one, tasks.add, { partitions })
      .map(tasks.digestOfPair),
  );
}

// Group by key with a sum: response bytes per route.

async function groupBySequential({ log }: Files): Promise<Keyed> {
  const bytes = new Map<string, number>();
  for await (const line of lines(log)) addTo(bytes, routeOf(line), bytesOf(line));
  return bytes;
}

function groupByWeft(pool: Pool, { log }: Files): Promise<Answer> {
  return answerOf(
    pool
      .readLines(log)
      .reduceByKey(tasks.routeOf, tasks.bytesOf, tasks.add, { partitions })
      .map(tasks.digestOfPair),
  );
}

// Distinct count: the users who made a request.

async function distinctSequential({ log }: Files): Promise<Keyed> {
  const users = new Set<string>();
  for await (const line of lines(log)) users.add(userOf(line));
  return users;
}

function distinctWeft(pool: Pool, { log }: Files): Promise<Answer> {
  return answerOf(
    pool.readLines(log).map(tasks.userOf).distinct(undefined, { partitions }).map(tasks.digestOfKey),
  );
}

// Join with the user table: response bytes per country of the user. The table is small (a user id
// and a country per line, tens of MB at most), so both sides join it as a broadcast hash join, the
// plan Spark picks for a table under its broadcast threshold: the table in a Map, then one pass over
// the log, each line's user looked up there.

async function joinSequential({ log, users }: Files): Promise<Keyed> {
  const countries = await readCountries(users);
  const bytes = new Map<string, number>();
  for await (const line of lines(log)) addTo(bytes, countryOf(countries, userOf(line)), bytesOf(line));
  return bytes;
}

/**
 * Every worker reads the table into its own Map first (a broadcast, which a worker that replaces a
 * crashed one runs again), then the log is summed per country as in the group-by; the countries
 * are few, so their sums come back as a Map, as Spark's collectAsMap would.
 */
async function joinWeft(pool: Pool, { log, users }: Files, loaded?: () => void): Promise<Answer> {
  await pool.broadcast(tasks.loadCountries, [users]);
  loaded?.();
  const perCountry = await pool.readLines(log).reduceByKey(tasks.countryOfLine, tasks.bytesOf, tasks.add);
  return sumsAnswer(perCountry);
}

export const dataWorkloads: readonly DataWorkload[] = [
  {
    name: "wordcount",
    summary: "count of each word of the message field",
    answer: sums,
    sequential: wordCountSequential,
    weft: wordCountWeft,
  },
  {
    name: "groupby",
    summary: "response bytes summed per route",
    answer: sums,
    sequential: groupBySequential,
    weft: groupByWeft,
  },
  {
    name: "distinct",
    summary: "number of distinct users",
    answer: keys,
    sequential: distinctSequential,
    weft: distinctWeft,
  },
  {
    name: "join",
    summary: "response bytes per country, joining the log with the user table",
    answer: sums,
    sequential: joinSequential,
    weft: joinWeft,
  },
];

export function workloadNamed(name: string): DataWorkload {
  const found = dataWorkloads.find((w) => w.name === name);
  if (!found) throw new Error(`no workload "${name}": one of ${workloadNames.join(", ")}`);
  return found;
}
