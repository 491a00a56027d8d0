// Collections under generated failures, on every backend where the failure applies: items that throw
// (with and without retries, fail-fast and collect), items that fail only their first attempts,
// cancellation at a random point, workers killed at a random chunk. The answer is the sequential one
// over the items, or the documented error; never a hang, never a double count.
//
// Runs per property, proportional to what a run costs: sequential and threads 20, processes 10,
// redis 5 (a cluster of two `weft worker` processes that this file starts, serving
// test/fixtures/fault-property-tasks.ts). Seeds are fixed, so a failure replays. For a nightly-size
// run, set WEFT_PROPERTY_RUNS to a multiplier of those counts, as for collections.test.ts (and
// WEFT_TEST_FILE_TIMEOUT_MS to match: the file's time grows with it).
//
// Every job is bounded: one that has not settled after `hangMs` fails its run as a hang. Properties
// assert on outcomes only, never on how long anything took.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import {
  AbortError,
  TaskError,
  weft,
  type BackendName,
  type ChunkBounds,
  type Collection,
  type ErrorPolicy,
  type Failure,
  type Pool,
  type PoolEvents,
  type SettledItem,
  type TaskLike,
  type WeftOptions,
} from "../../src/index.ts";
import {
  faultyValue,
  faultyValueLater,
  type CrashKind,
  type FaultyItem,
} from "../fixtures/fault-property-tasks.ts";
import { mod3 } from "../fixtures/property-tasks.ts";
import { add, square } from "../fixtures/tasks.ts";
import { fixtureModules, startCluster, type TestCluster } from "../support/cluster.ts";
import { checkLeaks } from "../support/leaks.ts";
import { markerDirectory } from "../support/markers.ts";
import { runsScaleFromEnv } from "./runs.ts";

checkLeaks();

const scale = runsScaleFromEnv;

/** Longer than any job here takes, by far (a cluster's lost lease is about 2 s): past it, a job is hung. */
const hangMs = 20_000;

const marker = markerDirectory();

const faultModule = fileURLToPath(new URL("../fixtures/fault-property-tasks.ts", import.meta.url));
let cluster: TestCluster | undefined;
before(async () => {
  cluster = await startCluster(2, { modules: [...fixtureModules, faultModule] });
});
after(() => cluster?.stop());

interface BackendUnderTest {
  readonly name: BackendName;
  /** Runs of each property on this backend, before WEFT_PROPERTY_RUNS multiplies them. */
  readonly runs: number;
  /** Whether its workers are apart from the test's thread, so one can die without ending the test. */
  readonly isolated: boolean;
  /** A function: the cluster's address is known only once it is up. */
  options(): WeftOptions;
}

const backends: readonly BackendUnderTest[] = [
  { name: "sequential", runs: 20, isolated: false, options: () => ({ backend: "sequential" }) },
  { name: "threads", runs: 20, isolated: true, options: () => ({ backend: "threads", workers: 2 }) },
  { name: "processes", runs: 10, isolated: true, options: () => ({ backend: "processes", workers: 2 }) },
  { name: "redis", runs: 5, isolated: true, options: () => ({ redis: cluster!.redis.url }) },
];

// ---------------------------------------------------------------------------------------------
// Inputs, terminals and their plain-JS answers.

type SourceKind = "array" | "generator" | "async generator";
const sourceArb = fc.constantFrom<SourceKind>("array", "generator", "async generator");

function* syncItems<T>(items: readonly T[]): Generator<T> {
  yield* items;
}

async function* asyncItems<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const [i, item] of items.entries()) {
    // Some items arrive on a later turn, so the stream offers them in several bursts.
    if (i % 3 === 0) await Promise.resolve();
    yield item;
  }
}

function open<T>(pool: Pool, items: readonly T[], kind: SourceKind): Collection<T> {
  if (kind === "array") return pool.from(items);
  return pool.from(kind === "generator" ? syncItems(items) : asyncItems(items));
}

/** A terminal, run on the items' values, and what plain JS makes of the same values. */
interface Terminal {
  /** `errors`: the policy the collection was given (fail-fast when not). */
  run(values: Collection<number, ErrorPolicy>, errors?: ErrorPolicy): Promise<unknown>;
  expected(values: readonly number[]): unknown;
}

async function drain<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) out.push(item);
  return out;
}

function sumsByKey(values: readonly number[]): Map<number, number> {
  const sums = new Map<number, number>();
  for (const v of values) sums.set(mod3(v), (sums.get(mod3(v)) ?? 0) + square(v));
  return sums;
}

// Each answer changes when an item is lost or counted twice: values are positive.
const terminals: Record<string, Terminal> = {
  collect: { run: (c) => c.collect(), expected: (values) => [...values] },
  "reduce (sum)": { run: (c) => c.reduce(add, 0), expected: (values) => values.reduce((a, b) => a + b, 0) },
  count: { run: (c) => c.count(), expected: (values) => values.length },
  reduceByKey: { run: (c) => c.reduceByKey(mod3, square, add), expected: sumsByKey },
  "stream (for await)": {
    async run(c, errors) {
      const items = await drain(c);
      if (errors !== "collect") return items;
      // Under collect every input item comes in its place, its value or its failure: settled here
      // into the result and the failures, as the other terminals settle.
      const settled = items as unknown as SettledItem<number>[];
      assert.deepEqual(
        settled.map((item) => item.index),
        settled.map((_, index) => index),
        "a settled stream skipped or reordered an input item",
      );
      return {
        result: settled.flatMap((item) => ("value" in item ? [item.value] : [])),
        failures: settled.flatMap((item) => ("failure" in item ? [item.failure] : [])),
      };
    },
    expected: (values) => [...values],
  },
};
const terminalArb = fc.constantFrom(...Object.keys(terminals));

const taskArb = fc.constantFrom("sync", "async");
const taskOf = (kind: string): TaskLike<[FaultyItem], number | Promise<number>> =>
  kind === "sync" ? faultyValue : faultyValueLater;

const valueArb = fc.integer({ min: 1, max: 1000 });

/** Small chunks, so a small input makes many of them. */
const boundsArb: fc.Arbitrary<ChunkBounds> = fc
  .tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 3 }))
  .map(([minChunk, extra]) => ({ minChunk, maxChunk: minChunk + extra }));

/** Retries at once: no backoff, so the order of attempts (and which item fails first) is the input's. */
const retryPolicy = (retries: number) => ({ retries, initialDelayMs: 0 });

/** What a job ended with. */
type Ending = { value: unknown } | { error: unknown };

/** Runs `job`; a job still pending after `limitMs` ends the run as hung instead of waiting forever. */
async function ending(job: () => Promise<unknown>, where: string, limitMs = hangMs): Promise<Ending> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hung: no answer after ${limitMs} ms (${where})`)), limitMs);
  });
  try {
    return await Promise.race([
      job().then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
      hang,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function valueOf(end: Ending, where: string): unknown {
  if ("error" in end)
    throw new assert.AssertionError({ message: `${where}: rejected with ${String(end.error)}` });
  return end.value;
}

function errorOf(end: Ending, where: string): unknown {
  if ("value" in end)
    assert.fail(`${where}: resolved with ${JSON.stringify(end.value)}, expected a rejection`);
  return end.error;
}

/** Listens to one of the pool's events for the length of a run; returns how to stop. */
function listen<K extends keyof PoolEvents>(
  pool: Pool,
  event: K,
  listener: (...args: PoolEvents[K]) => void,
): () => void {
  pool.events.on(event, listener as never);
  return () => void pool.events.off(event, listener as never);
}

/** The checks on a fail-fast job that lost an item for good: the TaskError names one that cannot succeed. */
function checkTaskError(
  error: unknown,
  lost: readonly number[],
  backend: BackendName,
  attempts: number,
  message: (index: number, attempt: number) => string,
  where: string,
) {
  assert.ok(error instanceof TaskError, `${where}: ${String(error)}`);
  assert.ok(
    lost.includes(error.index),
    `${where}: item ${error.index} failed, but only ${lost.join(", ")} can`,
  );
  // One chunk at a time, retried before the next: the first such item in the input fails the job.
  if (backend === "sequential") assert.equal(error.index, lost[0], where);
  assert.deepEqual(
    error.attempts.map((e) => e.message),
    Array.from({ length: attempts }, (_, i) => message(error.index, i + 1)),
    where,
  );
}

function failureIndices(failures: readonly Failure[]): number[] {
  return failures.map((f) => f.index);
}

// ---------------------------------------------------------------------------------------------

for (const backend of backends) {
  const numRuns = Math.ceil(backend.runs * scale);
  const params = (seed: number) => ({ seed, numRuns, includeErrorInReport: true });
  /** Generous: a run takes well under a second, a cluster's lost lease about two. */
  const timeout = 30_000 + numRuns * 5_000;

  describe(`faults on ${backend.name}`, () => {
    it(
      "items that throw: the sequential answer, the first lost item's TaskError, or the failures collected",
      { timeout },
      async () => {
        await using pool = await weft(backend.options());
        const planArb = fc.record({
          items: fc.array(
            fc.record({ value: valueArb, throws: fc.integer({ min: 0, max: 3 }).map((n) => n === 0) }),
            {
              maxLength: 30,
            },
          ),
          retries: fc.integer({ min: 0, max: 2 }),
          errors: fc.constantFrom<ErrorPolicy>("fail-fast", "collect"),
          terminal: terminalArb,
          source: sourceArb,
          task: taskArb,
          bounds: boundsArb,
        });
        await fc.assert(
          fc.asyncProperty(planArb, async (plan) => {
            const where = `${backend.name}, ${JSON.stringify({ ...plan, items: undefined })}`;
            const items: FaultyItem[] = plan.items.map(({ value, throws }, id) => ({ id, value, throws }));
            const lost = items.filter((item) => item.throws).map((item) => item.id);
            const terminal = terminals[plan.terminal]!;
            const { errors } = plan;
            const end = await ending(
              () =>
                terminal.run(
                  open(pool, items, plan.source)
                    .chunks(plan.bounds)
                    .map(taskOf(plan.task))
                    .options({ retries: retryPolicy(plan.retries), errors }),
                  errors,
                ),
              where,
            );
            const survivors = items.filter((item) => !item.throws).map((item) => item.value);
            if (errors === "collect") {
              const settled = valueOf(end, where) as { result: unknown; failures: Failure[] };
              assert.deepEqual(settled.result, terminal.expected(survivors), where);
              assert.deepEqual(failureIndices(settled.failures), lost, where);
              for (const f of settled.failures)
                assert.equal(f.error.message, `item ${f.index} always throws`, where);
            } else if (lost.length === 0) {
              assert.deepEqual(valueOf(end, where), terminal.expected(survivors), where);
            } else {
              checkTaskError(
                errorOf(end, where),
                lost,
                backend.name,
                plan.retries + 1,
                (i) => `item ${i} always throws`,
                where,
              );
            }
          }),
          params(101),
        );
      },
    );

    it("items that fail their first attempts: retried, each counted once", { timeout }, async () => {
      await using pool = await weft(backend.options());
      const planArb = fc.record({
        items: fc.array(fc.record({ value: valueArb, attempts: fc.constantFrom(0, 0, 0, 1, 1, 2, 3, 4) }), {
          maxLength: 24,
        }),
        /** The most items per chunk: 1 makes every retry an item's own. */
        perChunk: fc.constantFrom(1, 1, 2, 3, 4),
        minChunk: fc.integer({ min: 1, max: 4 }),
        retries: fc.integer({ min: 0, max: 2 }),
        errors: fc.constantFrom<ErrorPolicy>("fail-fast", "collect"),
        terminal: terminalArb,
        source: sourceArb,
        task: taskArb,
      });
      await fc.assert(
        fc.asyncProperty(planArb, async (plan) => {
          const { perChunk } = plan;
          const bounds = { minChunk: Math.min(plan.minChunk, perChunk), maxChunk: perChunk };
          const items: FaultyItem[] = plan.items.map(({ value, attempts }, id) => ({
            id,
            value,
            ...(attempts > 0 && { flaky: { attempts, counter: marker(`attempts-of-${id}`) } }),
          }));
          const attemptsOf = (item: FaultyItem) => item.flaky?.attempts ?? 0;
          // A chunk runs again whole, so each of its failed attempts is one item's: with several
          // items per chunk, the retries are made enough for the worst chunk, and every item succeeds.
          // With one item per chunk, an item fails for good past its retries (under collect, the
          // last run that notes the failures is one attempt more).
          let retries = plan.retries;
          if (perChunk > 1) {
            retries = 0;
            for (let i = 0; i < items.length; i++) {
              const window = items.slice(i, i + perChunk).reduce((n, item) => n + attemptsOf(item), 0);
              retries = Math.max(retries, window);
            }
          }
          const where = `${backend.name}, ${JSON.stringify({ ...plan, bounds, retries })}`;
          const terminal = terminals[plan.terminal]!;
          const { errors } = plan;
          const allowed = errors === "collect" ? retries + 1 : retries;
          const lost = items.filter((item) => attemptsOf(item) > allowed).map((item) => item.id);

          let retryEvents = 0;
          const stop = listen(pool, "retry", () => retryEvents++);
          const end = await ending(
            () =>
              terminal.run(
                open(pool, items, plan.source)
                  .chunks(bounds)
                  .map(taskOf(plan.task))
                  .options({ retries: retryPolicy(retries), errors }),
                errors,
              ),
            where,
          ).finally(stop);
          const survivors = items.filter((item) => !lost.includes(item.id)).map((item) => item.value);
          const throwsOn = (i: number, attempt: number) => `item ${i} throws on attempt ${attempt}`;
          if (errors === "collect") {
            const settled = valueOf(end, where) as { result: unknown; failures: Failure[] };
            assert.deepEqual(settled.result, terminal.expected(survivors), where);
            assert.deepEqual(failureIndices(settled.failures), lost, where);
            for (const f of settled.failures)
              assert.equal(f.error.message, throwsOn(f.index, retries + 2), where);
          } else if (lost.length === 0) {
            assert.deepEqual(valueOf(end, where), terminal.expected(survivors), where);
            // Every failed attempt was retried once, and nothing else was.
            const failedAttempts = items.reduce((n, item) => n + attemptsOf(item), 0);
            assert.equal(retryEvents, failedAttempts, `${where}: retry events`);
          } else {
            checkTaskError(errorOf(end, where), lost, backend.name, retries + 1, throwsOn, where);
          }
        }),
        params(202),
      );
    });

    it(
      "cancelled at a random chunk: rejects with AbortError, and the pool's next job is exact",
      { timeout },
      async () => {
        await using pool = await weft(backend.options());
        const planArb = fc.record({
          items: fc.array(
            fc.record({ value: valueArb, flaky: fc.integer({ min: 0, max: 4 }).map((n) => n === 0) }),
            {
              minLength: 1,
              maxLength: 40,
            },
          ),
          maxChunk: fc.integer({ min: 1, max: 3 }),
          /** Which event the abort comes from: the job's start, a chunk that finished, a progress report, a retry. */
          on: fc.constantFrom("started", "chunk", "progress", "retry"),
          at: fc.nat(),
          terminal: terminalArb,
          source: sourceArb,
          task: taskArb,
        });
        await fc.assert(
          fc.asyncProperty(planArb, async (plan) => {
            const { maxChunk, on } = plan;
            const flaky = plan.items.map((item, id) => item.flaky || (on === "retry" && id === 0));
            const items: FaultyItem[] = plan.items.map(({ value }, id) => ({
              id,
              value,
              ...(flaky[id] && { flaky: { attempts: 1, counter: marker(`cancelled-${id}`) } }),
            }));
            // Events that surely come: at least one chunk per maxChunk items, one retry per flaky item.
            const surely =
              on === "started"
                ? 1
                : on === "retry"
                  ? flaky.filter(Boolean).length
                  : Math.ceil(items.length / maxChunk);
            const after = 1 + (plan.at % surely);
            const where = `${backend.name}, ${JSON.stringify({ ...plan, items: plan.items.length, after })}`;
            const terminal = terminals[plan.terminal]!;
            const expected = terminal.expected(items.map((item) => item.value));

            const controller = new AbortController();
            const reason = new Error(`stopped after ${after} ${on} event(s)`);
            let jobId: number | undefined;
            let seen = 0;
            const stops = [
              listen(pool, "job", (record) => {
                if (record.state === "started") jobId ??= record.jobId;
              }),
              on === "started"
                ? listen(pool, "job", (record) => {
                    if (record.jobId === jobId && record.state === "started") controller.abort(reason);
                  })
                : listen(pool, on, (record) => {
                    // Events of earlier, cancelled jobs may still come in: only this job's count.
                    if (record.jobId === jobId && ++seen === after) controller.abort(reason);
                  }),
            ];
            const end = await ending(
              () =>
                terminal.run(
                  open(pool, items, plan.source)
                    .chunks({ maxChunk })
                    .map(taskOf(plan.task))
                    .options({ retries: retryPolicy(maxChunk), signal: controller.signal }),
                ),
              where,
            ).finally(() => stops.forEach((stop) => stop()));
            const error = errorOf(end, where);
            assert.ok(error instanceof AbortError, `${where}: ${String(error)}`);
            assert.equal(error.cause, reason, where);

            // The same job again, without faults: the pool kept nothing of the cancelled one.
            const plain = items.map(({ id, value }) => ({ id, value }));
            const chunkItems = new Map<number, number>();
            const done = new Map<number, number>();
            const watch = [
              listen(pool, "chunk", (c) => chunkItems.set(c.jobId, (chunkItems.get(c.jobId) ?? 0) + c.items)),
              listen(pool, "progress", (p) => done.set(p.jobId, p.done)),
              listen(pool, "job", (record) => {
                if (record.state === "started") jobId = record.jobId;
              }),
            ];
            const again = await ending(
              () => terminal.run(open(pool, plain, plan.source).chunks({ maxChunk }).map(taskOf(plan.task))),
              `${where}, the next job`,
            ).finally(() => watch.forEach((stop) => stop()));
            assert.deepEqual(valueOf(again, `${where}, the next job`), expected, `${where}, the next job`);
            // Every item of the next job was counted once, by its chunks and by its progress.
            assert.equal(chunkItems.get(jobId!), items.length, `${where}: items over the next job's chunks`);
            assert.equal(done.get(jobId!), items.length, `${where}: the next job's progress`);
          }),
          params(303),
        );
      },
    );

    it(
      "workers killed at random chunks: the sequential answer, each item counted once",
      {
        timeout,
        skip: !backend.isolated && "a worker that dies on the sequential backend is the test's own thread",
      },
      async () => {
        await using pool = await weft({ ...backend.options() });
        const crashKindArb = fc.constantFrom<CrashKind>("exit", "uncaught exception", "unhandled rejection");
        const planArb = fc.record({
          values: fc.array(valueArb, { minLength: 1, maxLength: 40 }),
          crashes: fc.array(fc.record({ at: fc.nat(), kind: crashKindArb }), { minLength: 1, maxLength: 3 }),
          maxChunk: fc.integer({ min: 1, max: 4 }),
          terminal: terminalArb,
          source: sourceArb,
          task: taskArb,
        });
        await fc.assert(
          fc.asyncProperty(planArb, async (plan) => {
            const { values, maxChunk } = plan;
            // At most two crashes in any chunk's reach: a chunk that ends its worker three times is
            // poison, and fails the job on purpose (the conformance suite covers that).
            const crashes = new Map<number, CrashKind>();
            for (const { at, kind } of plan.crashes) {
              const i = at % values.length;
              const near = [...crashes.keys()].filter((j) => Math.abs(i - j) < maxChunk);
              if (!crashes.has(i) && near.length < 2) crashes.set(i, kind);
            }
            const items: FaultyItem[] = values.map((value, id) => {
              const kind = crashes.get(id);
              if (kind === undefined) return { id, value };
              return { id, value, crash: { kind, marker: marker(`crash-${id}`), testPid: process.pid } };
            });
            const where = `${backend.name}, ${JSON.stringify({ ...plan, values: values.length, crashes: [...crashes] })}`;
            const terminal = terminals[plan.terminal]!;

            let restarts = 0;
            const stop = listen(pool, "restart", () => restarts++);
            const end = await ending(
              () => terminal.run(open(pool, items, plan.source).chunks({ maxChunk }).map(taskOf(plan.task))),
              where,
            ).finally(stop);
            assert.deepEqual(valueOf(end, where), terminal.expected(values), where);
            const crashed = items.filter((item) => item.crash && existsSync(item.crash.marker)).length;
            assert.equal(crashed, crashes.size, `${where}: items that ended their worker`);
            assert.equal(restarts, crashes.size, `${where}: one restart per crash`);
          }),
          params(404),
        );
      },
    );

    it(
      "a cluster worker SIGKILLed at a random chunk: the sequential answer, each item counted once",
      { timeout: timeout + numRuns * 5_000, skip: backend.name !== "redis" && "cluster workers only" },
      async () => {
        await using pool = await weft(backend.options());
        const planArb = fc.record({
          values: fc.array(valueArb, { minLength: 4, maxLength: 40 }),
          maxChunk: fc.integer({ min: 1, max: 4 }),
          at: fc.nat(),
          victim: fc.nat(),
          terminal: terminalArb,
          source: sourceArb,
        });
        await fc.assert(
          fc.asyncProperty(planArb, async (plan) => {
            const { values, maxChunk } = plan;
            const live = cluster!.workers.filter(
              (w) => w.child.exitCode === null && w.child.signalCode === null,
            );
            const victim = live[plan.victim % live.length]!;
            const after = 1 + (plan.at % Math.ceil(values.length / maxChunk));
            const where = `redis, ${JSON.stringify({ ...plan, values: values.length, after })}`;
            const terminal = terminals[plan.terminal]!;
            const items: FaultyItem[] = values.map((value, id) => ({ id, value }));

            let killed: Promise<void> | undefined;
            let jobId: number | undefined;
            let chunks = 0;
            const stops = [
              listen(pool, "job", (record) => {
                if (record.state === "started") jobId ??= record.jobId;
              }),
              listen(pool, "chunk", (record) => {
                if (record.jobId === jobId && ++chunks === after) killed = victim.kill();
              }),
            ];
            try {
              const end = await ending(
                () => terminal.run(open(pool, items, plan.source).chunks({ maxChunk }).map(faultyValue)),
                where,
              );
              assert.deepEqual(valueOf(end, where), terminal.expected(values), where);
              assert.ok(killed, `${where}: the worker was not killed`);
            } finally {
              stops.forEach((stop) => stop());
              // The cluster gets its second worker back for the next run.
              if (killed) await killed.then(() => cluster!.addWorker());
            }
          }),
          params(505),
        );
      },
    );
  });
}

// The smallest case the cancellation property found: a job cancelled by a listener of its own "job
// started" event was added back to the scheduler after cancel() had removed it, and the next pump threw
// an uncaught TypeError that took the process down. Same on every backend.
describe("cancelling from the job's own start event", () => {
  it("rejects with AbortError, and the pool runs the next job", { timeout: 60_000 }, async () => {
    await using pool = await weft({ backend: "sequential" });
    const controller = new AbortController();
    pool.events.once("job", () => controller.abort(new Error("cancelled as it started")));
    const first = await ending(
      () => pool.range(0, 4).map(square).options({ signal: controller.signal }).collect(),
      "the cancelled job",
    );
    assert.ok(errorOf(first, "the cancelled job") instanceof AbortError);
    const next = await ending(() => pool.range(0, 4).map(square).collect(), "the next job");
    assert.deepEqual(valueOf(next, "the next job"), [0, 1, 4, 9]);
  });
});
