// A coordinator that dies: a resumable job's coordinator is SIGKILLed halfway through 200,000 items,
// and `weft resume` finishes it from another process. The chunks its ledger holds do not run again,
// the answer is the sequential one with every item counted once, and the test reports how much work
// was done twice (the chunks that were running when the coordinator died). Each step waits on what
// Redis or the workers' traces say, never on how long something took.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { startCluster } from "../support/cluster.ts";
import { checkLeaks } from "../support/leaks.ts";
import { settledTraces, traced, tracedModule } from "../support/traces.ts";
import {
  adminClient,
  exited,
  pollUntil,
  runWeft,
  sequentialSumOfSquares,
  startScript,
  waitForOutput,
  within,
  workerSettings,
} from "../cluster/helpers.ts";

checkLeaks();

const fixture = (name: string) => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));
const tasksModule = fileURLToPath(new URL("../fixtures/tasks.ts", import.meta.url));
const items = 200_000;
const ledger = "weft:ledgers:sum-200k";

/** The input items the ledger's entries cover, as [start, count] pairs (each entry's field is `done:<start>:<count>`). */
async function covered(admin: { hkeys(key: string): Promise<string[]> }): Promise<[number, number][]> {
  return (await admin.hkeys(ledger))
    .filter((field) => field.startsWith("done:"))
    .map((field) => field.split(":").slice(1).map(Number) as [number, number]);
}

test(
  "a resumable job whose coordinator is SIGKILLed halfway is finished by weft resume in another process, exact, without rerunning what its ledger holds",
  { timeout: 180_000 },
  async (t) => {
    const traces = mkdtempSync(join(tmpdir(), "weft-traces-"));
    t.after(() => rmSync(traces, { recursive: true, force: true }));
    await using cluster = await startCluster(1, {
      ...workerSettings,
      modules: [...workerSettings.modules!, tracedModule],
      env: { WEFT_TRACE_DIR: traces },
    });
    await using admin = await adminClient(cluster.redis.url);
    const url = cluster.redis.url;
    const resume = () =>
      runWeft(["resume", "sum-200k", "--redis", url, "--tasks", tasksModule, tracedModule], 120_000);

    await using coordinator = startScript(fixture("resumable-coordinator.ts"), [url]);
    await within(waitForOutput(coordinator, /^started$/), 30_000, "the coordinator starting its job");
    await pollUntil(
      async () => ((await covered(admin)).length > 0 ? true : undefined),
      60_000,
      "the job's first chunk in its ledger",
    );
    // While its coordinator runs, the job is its own: no other process may take it.
    const refused = await resume();
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /the job "sum-200k" is running now, in the pool of coordinator/);

    const half = await pollUntil(
      async () => {
        const done = (await covered(admin)).reduce((sum, [, count]) => sum + count, 0);
        return done >= items / 2 ? done : undefined;
      },
      60_000,
      "half of the job in its ledger",
    );
    assert.ok(half < items, "killed before the end");

    coordinator.child.kill("SIGKILL");
    assert.equal((await exited(coordinator.child)).signal, "SIGKILL");
    await settledTraces(traces);
    const before = traced(traces, items);
    const kept = await covered(admin);
    const keptItems = kept.reduce((sum, [, count]) => sum + count, 0);

    const resumed = await resume();
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(JSON.parse(resumed.stdout), await sequentialSumOfSquares(items));
    assert.match(
      resumed.stderr,
      new RegExp(`${keptItems} of its ${items} items were done before, ${items - keptItems} ran now`),
    );
    assert.equal(await admin.exists(ledger), 0, "the ledger goes once the result is delivered");

    // What ran after the resume is exactly what the ledger lacked: nothing it held ran again.
    const after = traced(traces, items);
    const inLedger = new Uint8Array(items);
    for (const [start, count] of kept) inLedger.fill(1, start, start + count);
    for (let n = 0; n < items; n++) {
      const ranNow = after[n]! - before[n]!;
      assert.equal(ranNow, inLedger[n] ? 0 : 1, `item ${n}: ran ${ranNow} times after the resume`);
    }
    // The work done twice: items the first coordinator's chunks ran whose results died with it.
    const redone = before.reduce((sum, runs, n) => sum + (inLedger[n] ? 0 : runs), 0);
    t.diagnostic(
      `killed with ${keptItems} of ${items} items in the ledger; redone after the resume: ${redone} items (${((100 * redone) / items).toFixed(1)}% of the job)`,
    );
  },
);
