// The page: runs every results case on web workers and leaves the outcome where the test reads it.
import { weft } from "../../../src/browser/index.ts";
import { encode, resultsCases } from "./results-cases.ts";

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
    return [backend, file];
  } finally {
    await pool.close();
  }
}

const page = globalThis as { weftResults?: Promise<CaseOutcome[]>; weftRefusals?: Promise<string[]> };
page.weftResults = runAll();
page.weftRefusals = page.weftResults.then(refusals);
