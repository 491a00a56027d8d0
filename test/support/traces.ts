// The traces the traced task (test/resume/fixtures/traced-tasks.ts) leaves: every item each thread
// ran, one line each, in a file per thread under $WEFT_TRACE_DIR. Read back, they say exactly which
// items a job ran, and how many times: the work a resumed job did again.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { pollUntil } from "../cluster/helpers.ts";

/** The traced task's module: a worker or a server that runs it writes to $WEFT_TRACE_DIR. */
export const tracedModule = fileURLToPath(new URL("../resume/fixtures/traced-tasks.ts", import.meta.url));

/** How many times each of the items 0 to `items` - 1 ran, from the traces in `dir`. */
export function traced(dir: string, items: number): number[] {
  const runs = new Array<number>(items).fill(0);
  for (const file of readdirSync(dir)) {
    for (const line of readFileSync(join(dir, file), "utf8").split("\n")) if (line) runs[Number(line)]!++;
  }
  return runs;
}

/**
 * Resolves once the traces' total size has stopped growing for 1.5 s: the workers have stopped
 * running the chunks of a coordinator that died.
 */
export async function settledTraces(dir: string): Promise<void> {
  const size = () => readdirSync(dir).reduce((sum, file) => sum + statSync(join(dir, file)).size, 0);
  await pollUntil(
    async () => {
      const before = size();
      await delay(1500);
      return size() === before ? true : undefined;
    },
    30_000,
    "the workers ending the dead coordinator's chunks",
  );
}
