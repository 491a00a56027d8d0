// The harness of the one-query benchmarks (`--parquet`, `--csv`): every contender runs the query in a
// fresh process of its own (its peak RSS is its own), the contenders take turns round after round, so
// every ratio is of runs made back to back, and the first round only warms the page cache and is not
// counted. Every answer must equal the first one.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { publish } from "../../src/scaling/publish.ts";
import { spread, type Spread } from "./report.ts";

/** What a contender's process prints as its last line. */
export interface QuerySample {
  readonly seconds: number;
  readonly peakMb: number;
  readonly answer: unknown;
}

/** How to start one contender's process: a command and its arguments. */
export type ContenderCommand = readonly [command: string, ...args: string[]];

/** The command that runs `script` (a TypeScript file, by URL) as `contender` over the dataset in `dir`. */
export function scriptContender(script: string, dir: string, contender: string): ContenderCommand {
  return [process.execPath, "--import", "tsx", fileURLToPath(script), "--dir", dir, "--contender", contender];
}

/** The samples of `repeat` counted rounds of every contender, in turns, after a warm-up round. */
export function runRounds<Name extends string, Sample extends QuerySample>(
  contenders: readonly Name[],
  commandOf: (contender: Name) => ContenderCommand,
  repeat: number,
): Map<Name, Sample[]> {
  const samples = new Map<Name, Sample[]>(contenders.map((c) => [c, []]));
  let expected: string | undefined;
  for (let round = 0; round <= repeat; round++) {
    for (const contender of contenders) {
      const [command, ...args] = commandOf(contender);
      const out = execFileSync(command, args, { encoding: "utf8" });
      const sample = JSON.parse(out.trim().split("\n").at(-1)!) as Sample;
      const answer = JSON.stringify(sortedKeys(sample.answer));
      expected ??= answer;
      if (answer !== expected) throw new Error(`${contender} answered ${answer}, not ${expected}`);
      console.error(
        `round ${round}${round === 0 ? " (warm-up)" : ""}: ${contender} ${sample.seconds.toFixed(2)} s`,
      );
      if (round > 0) samples.get(contender)!.push(sample);
    }
  }
  return samples;
}

/** `value` with every object's keys in order, so that equal answers print equal whoever built them. */
function sortedKeys(value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, inner]) => [key, sortedKeys(inner)]),
  );
}

/** Each contender's seconds, median and spread, and its largest peak. */
export function summarize<Name extends string>(
  samples: ReadonlyMap<Name, readonly QuerySample[]>,
): Record<Name, { readonly seconds: Spread; readonly peakMb: number }> {
  return Object.fromEntries(
    [...samples].map(([name, runs]) => [
      name,
      { seconds: spread(runs.map((s) => s.seconds)), peakMb: Math.max(...runs.map((s) => s.peakMb)) },
    ]),
  ) as Record<Name, { readonly seconds: Spread; readonly peakMb: number }>;
}

/** `a`'s time over `b`'s, round by round. */
export function perRound<Name extends string>(
  samples: ReadonlyMap<Name, readonly QuerySample[]>,
  a: Name,
  b: Name,
): Spread {
  const bs = samples.get(b)!;
  return spread(samples.get(a)!.map((s, i) => s.seconds / bs[i]!.seconds));
}

/** Prints each contender's median time, peak RSS and rate over `bytes`. */
export function printTimes(
  contenders: Readonly<Record<string, { readonly seconds: Spread; readonly peakMb: number }>>,
  bytes: number,
): void {
  const width = Math.max(...Object.keys(contenders).map((name) => name.length));
  console.log(`${"contender".padEnd(width)} | s (median) | peak RSS MB | GB/s`);
  for (const [name, { seconds, peakMb }] of Object.entries(contenders)) {
    const rate = (bytes / 1e9 / seconds.median).toFixed(3);
    console.log(
      `${name.padEnd(width)} | ${seconds.median.toFixed(2).padStart(10)} | ${peakMb.toFixed(0).padStart(11)} | ${rate}`,
    );
  }
}

/** Saves the report as bench/results/<file>, and with `published` as docs/results/<file> too. */
export function saveReport(file: string, report: object, published: boolean): void {
  writeFileSync(
    fileURLToPath(new URL(`../results/${file}`, import.meta.url)),
    `${JSON.stringify(report, null, 2)}\n`,
  );
  if (published) console.log(`published ${publish(file, report)}`);
}
