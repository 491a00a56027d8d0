// The page: runs every results case on web workers and leaves the outcome where the test reads it.
import { weft } from "../../../src/browser/index.ts";
import { encode, resultsCases } from "./results-cases.ts";
import { add, square, throwOutside } from "./tasks.ts";

interface CaseOutcome {
  readonly name: string;
  readonly value?: string;
  readonly error?: string;
}

async function runAll(): Promise<CaseOutcome[]> {
  const outcomes: CaseOutcome[] = [];
  for (const [name, run] of Object.entries(resultsCases)) {
    try {
      outcomes.push({ name, value: encode(await run(weft)) });
    } catch (error) {
      outcomes.push({ name, error: (error as Error).stack ?? String(error) });
    }
  }
  return outcomes;
}

/** What a page is told when it asks for what needs Node.js: a backend, then a file source. */
async function refusals(): Promise<string[]> {
  const backend = await weft({ backend: "threads" }).then(
    () => "started",
    (error: Error) => error.message,
  );
  const pool = await weft();
  try {
    const file = await pool
      .readLines("/data/log.txt")
      .count()
      .then(
        () => "read",
        (error: Error) => error.message,
      );
    const inline = await pool
      .from([1, 2])
      .map((n: number) => n * 2)
      .collect()
      .then(
        () => "ran",
        (error: Error) => error.message,
      );
    const shuffle = await pool
      .range(0, 10)
      .distinct()
      .collect()
      .then(
        () => "shuffled",
        (error: Error) => error.message,
      );
    return [backend, file, inline, shuffle];
  } finally {
    await pool.close();
  }
}

/** A worker that throws outside any task is replaced, its chunk fails, and the pool goes on. */
async function crash(): Promise<[string, number]> {
  const pool = await weft({ workers: 2 });
  try {
    const failed = await pool.submit(throwOutside, []).then(
      () => "settled",
      (error: unknown) => `${(error as Error).name}: ${(error as Error).message}`,
    );
    return [failed, await pool.range(0, 100).map(square).reduce(add)];
  } finally {
    await pool.close();
  }
}

const page = globalThis as {
  weftResults?: Promise<CaseOutcome[]>;
  weftRefusals?: Promise<string[]>;
  weftCrash?: Promise<[string, number]>;
  /** For the test: whether a pool starts now, or the message it fails with. */
  weftStart?: () => Promise<string>;
};
page.weftStart = () =>
  weft().then(
    (pool) => pool.close().then(() => "started"),
    (error: unknown) => (error as Error).message,
  );
page.weftResults = runAll();
page.weftRefusals = page.weftResults.then(refusals);
page.weftCrash = page.weftRefusals.then(crash);
