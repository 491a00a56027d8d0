// The Dispatcher's fault logic as a state machine: a fake backend settles chunks by hand in random orders, and a model says what each job must do.
import { tmpdir } from "node:os";
import assert from "node:assert/strict";
import { describe, mock, test } from "node:test";
import fc from "fast-check";
import {
  AbortError,
  InterruptedError,
  PoisonTaskError,
  TaskError,
  TimeoutError,
  WorkerCrashedError,
} from "../../src/errors.ts";
import { createEvents, type JobRecord } from "../../src/events/events.ts";
import { CollectionJob, type Output } from "../../src/jobs/collection-job.ts";
import { collectMerge, countMerge, type Merge } from "../../src/jobs/merge.ts";
import { mergeOutput } from "../../src/jobs/outputs.ts";
import { ArraySource, RangeSource } from "../../src/jobs/source.ts";
import { Dispatcher } from "../../src/pool/dispatcher.ts";
import { maxCrashesPerChunk } from "../../src/scheduler/failure-policy.ts";
import { inputLength } from "../../src/protocol/plan.ts";
import type { ChunkBounds } from "../../src/scheduler/chunking.ts";
import { resolveRetry } from "../../src/scheduler/retry.ts";
import { FakeBackend, type Restart, type Sent } from "../support/fake-backend.ts";

const graceMs = 10;
const params = { seed: 42, includeErrorInReport: true };

interface JobPlan {
  readonly source: "array" | "range";
  readonly op: "collect" | "count";
  readonly items: number;
  readonly bounds: ChunkBounds;
  readonly retries: number;
  /** The wait before a first retry; 0 requeues at once, more goes through the dispatcher's timers. */
  readonly delayMs: number;
  readonly timeoutMs: number | undefined;
  /** Which jobs go first must not change what any of them returns. */
  readonly priority: number;
  /** The action before which the job starts (past the end: it starts when the script runs out). */
  readonly beginAt: number;
  /**
   * The action before which its signal aborts, if it does: before `beginAt`, it starts cancelled;
   * at `beginAt`, it is cancelled before anything was sent.
   */
  readonly cancelAt: number | undefined;
}

/**
 * One step of the script. `pick` chooses a worker (whose running chunk is acted on) or, when the
 * scenario allows any order, any chunk in flight; it is taken modulo what exists at that moment.
 */
type Action =
  | { readonly kind: "ok"; readonly pick: number; readonly busyMs: number }
  | { readonly kind: "fail"; readonly pick: number }
  | { readonly kind: "crash"; readonly pick: number }
  | { readonly kind: "interrupt"; readonly pick: number }
  /** A worker dies as a real one does: its running chunk crashed, the rest interrupted. */
  | { readonly kind: "die"; readonly pick: number }
  | { readonly kind: "start"; readonly pick: number }
  | { readonly kind: "tick"; readonly ms: number };

interface Scenario {
  readonly workers: number;
  /** Two chunks per worker (as on threads) instead of one, so chunks wait behind others. */
  readonly prefetch: boolean;
  /** Chunks on a worker may settle out of the order they were sent. */
  readonly anyOrder: boolean;
  readonly jobs: readonly JobPlan[];
  readonly actions: readonly Action[];
}

/** What a job must have done by now, given every delivery so far. */
interface ModelJob {
  state: "waiting" | "live" | "resolved" | "rejected";
  /** How the rejection must look. */
  expect?: (error: unknown) => void;
  /** Chunks sent before the step in which it stopped being live: none of its own may follow. */
  endedAtSend?: number;
  /** Started with its signal not yet aborted. */
  begun: boolean;
  /** Cancelled while live. */
  cancelled: boolean;
  readonly errors: Map<number, number>;
  readonly crashes: Map<number, number>;
  /** Failures that did not end the job: each must lead to exactly one more send of its chunk. */
  readonly resends: Map<number, number>;
  readonly done: Set<number>;
  itemsDone: number;
}

interface Tracked {
  readonly plan: JobPlan;
  readonly id: number;
  readonly job: CollectionJob;
  readonly controller: AbortController;
  readonly expected: unknown;
  readonly model: ModelJob;
  readonly records: JobRecord[];
  outputCalls: number;
  settled?: { ok: true; value: unknown } | { ok: false; error: unknown };
  settleCount: number;
}

/** Lets the dispatcher react: promise callbacks, then its pump (a setImmediate), then what that sent. */
async function flush(): Promise<void> {
  for (let i = 0; i < 4; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

function valuesOf(plan: JobPlan): number[] {
  return plan.source === "array"
    ? Array.from({ length: plan.items }, (_, i) => i * 3 + 1)
    : Array.from({ length: plan.items }, (_, i) => 5 + 2 * i);
}

const bump = (map: Map<number, number>, key: number): number => {
  const value = (map.get(key) ?? 0) + 1;
  map.set(key, value);
  return value;
};

/** A dispatcher over a fake backend, on mocked timers, with the model checked after every step. */
class Harness {
  readonly backend: FakeBackend;
  readonly dispatcher: Dispatcher;
  readonly jobs: Tracked[] = [];
  readonly #byId = new Map<number, Tracked>();
  /** When a chunk of an ended job was first seen running: its grace period counts from then. */
  readonly #headSince = new Map<Sent, number>();
  readonly #startedAt = new Map<Sent, number>();
  now = 0;
  #logSeen = 0;
  /** Chunks sent before the current step: a job that ends in this step may have no more. */
  #stepSends = 0;
  #restartsSeen = 0;
  #nextId = 1;

  constructor(readonly scenario: Scenario) {
    this.backend = new FakeBackend(scenario.workers, scenario.prefetch, () => this.now);
    const events = createEvents();
    events.on("job", (record) => this.#byId.get(record.jobId)?.records.push(record));
    this.dispatcher = new Dispatcher(this.backend, events, graceMs);
  }

  add(plan: JobPlan): Tracked {
    const id = this.#nextId++;
    const merge = (plan.op === "collect" ? collectMerge() : countMerge()) as Merge<unknown>;
    const { output: inner, result } = mergeOutput(merge);
    const controller = new AbortController();
    const values = valuesOf(plan);
    const source =
      plan.source === "array" ? new ArraySource(values) : new RangeSource(5, 5 + 2 * plan.items, 2);
    const output: Output = {
      add: (partial, start, count) => inner.add(partial, start, count),
      finish: () => {
        tracked.outputCalls++;
        inner.finish();
      },
      fail: (error) => {
        tracked.outputCalls++;
        inner.fail(error);
      },
    };
    const controls = {
      bounds: plan.bounds,
      retry: resolveRetry({ retries: plan.retries, initialDelayMs: plan.delayMs, jitter: false }),
      taskRetries: new Map(),
      signal: controller.signal,
      timeoutMs: plan.timeoutMs,
      errors: "fail-fast",
      priority: plan.priority,
      concurrency: undefined,
      perSecond: undefined,
      resumable: undefined,
    } as const;
    const spec = { id, stages: [], terminal: { op: plan.op } } as const;
    const job = new CollectionJob(spec, source, plan.items, true, output, controls, undefined, {
      budget: Infinity,
      directory: tmpdir(),
    });
    const tracked: Tracked = {
      plan,
      id,
      job,
      controller,
      expected: plan.op === "collect" ? values : plan.items,
      model: {
        state: "waiting",
        begun: false,
        cancelled: false,
        errors: new Map(),
        crashes: new Map(),
        resends: new Map(),
        done: new Set(),
        itemsDone: 0,
      },
      records: [],
      outputCalls: 0,
      settleCount: 0,
    };
    void result.then(
      (value) => {
        tracked.settleCount++;
        tracked.settled = { ok: true, value };
      },
      (error: unknown) => {
        tracked.settleCount++;
        tracked.settled = { ok: false, error };
      },
    );
    this.jobs.push(tracked);
    this.#byId.set(id, tracked);
    return tracked;
  }

  /** Starts a job on the dispatcher; the model decides what it must do from here. */
  begin(tracked: Tracked): void {
    const { model, plan } = tracked;
    this.dispatcher.start(tracked.job);
    model.begun = !tracked.controller.signal.aborted;
    if (!model.begun) this.#end(model, "rejected", expectAbort);
    else if (plan.items === 0) this.#end(model, "resolved");
    else model.state = "live";
  }

  cancel(tracked: Tracked): void {
    const { model } = tracked;
    tracked.controller.abort(new Error(`stop job ${tracked.id}`));
    if (model.state !== "live") return;
    model.cancelled = true;
    this.#end(model, "rejected", expectAbort);
  }

  /** Chunks an action can reach: a worker's running chunk, or (in any order) any chunk in flight. */
  target(pick: number): Sent | undefined {
    if (this.scenario.anyOrder) {
      const all = this.backend.inFlight();
      return all[pick % Math.max(1, all.length)];
    }
    return this.backend.head(pick % this.scenario.workers);
  }

  async act(action: Action): Promise<void> {
    const { backend } = this;
    switch (action.kind) {
      case "tick":
        return this.advance(action.ms);
      case "die":
        backend.crash(action.pick % this.scenario.workers);
        break;
      case "start": {
        const head = backend.head(action.pick % this.scenario.workers);
        if (head && !head.started) {
          backend.start(head);
          this.#startedAt.set(head, this.now);
        }
        break;
      }
      default: {
        const sent = this.target(action.pick);
        if (!sent) break;
        if (action.kind === "ok") backend.succeed(sent, action.busyMs);
        else if (action.kind === "fail") backend.failTask(sent);
        else if (action.kind === "crash")
          backend.reject(sent, new WorkerCrashedError(`worker ${sent.worker} exited`));
        else backend.reject(sent, new InterruptedError("worker stopped behind another chunk"));
      }
    }
    await flush();
    this.observe();
  }

  /** Mocked time, a millisecond at a time so the dispatcher reacts between timers as it would live. */
  async advance(ms: number): Promise<void> {
    for (let i = 0; i < ms; i++) {
      this.now++;
      mock.timers.tick(1);
      await flush();
      this.observe();
    }
  }

  /**
   * Checks the last step. Its restarts are judged against the model from before its deliveries:
   * the dispatcher's timers fired before it heard of them.
   */
  observe(): void {
    const { backend } = this;
    for (const restart of backend.restarts.slice(this.#restartsSeen)) this.#checkRestart(restart);
    this.#restartsSeen = backend.restarts.length;
    for (const sent of backend.log.slice(this.#logSeen)) this.#deliver(sent);
    this.#logSeen = backend.log.length;
    this.#checkJobs();
    this.#checkSends();
    this.#checkStops();
    this.#stepSends = backend.sent.length;
  }

  /** The dispatcher's rules, stated plainly: what each delivery means for its job. */
  #deliver(sent: Sent): void {
    const tracked = this.#byId.get(sent.spec.id)!;
    const { model } = tracked;
    const { seq } = sent.chunk;
    const delivery = sent.delivered!;
    if (model.state !== "live") return;
    const fatal = (expect: (error: unknown) => void) => this.#end(model, "rejected", expect);
    if (delivery.kind === "ok") {
      assert.ok(!model.done.has(seq), `job ${tracked.id}: chunk ${seq} came back twice`);
      model.done.add(seq);
      model.itemsDone += inputLength(sent.chunk.input);
      if (model.itemsDone === tracked.plan.items) this.#end(model, "resolved");
      return;
    }
    const { error } = delivery;
    if (delivery.kind === "failed" || error instanceof TimeoutError) {
      const errors = bump(model.errors, seq);
      if (errors <= tracked.plan.retries) return void bump(model.resends, seq);
      if (delivery.kind === "failed") {
        return fatal((e) => {
          assert.ok(e instanceof TaskError, `expected a TaskError, got ${String(e)}`);
          assert.equal(e.attempts.length, errors);
          assert.equal(e.index, sent.chunk.start);
        });
      }
      return fatal((e) => assert.ok(e instanceof TimeoutError, `expected a TimeoutError, got ${String(e)}`));
    }
    if (error instanceof InterruptedError) return void bump(model.resends, seq);
    if (error instanceof WorkerCrashedError) {
      const crashes = bump(model.crashes, seq);
      if (crashes < maxCrashesPerChunk) return void bump(model.resends, seq);
      return fatal((e) => {
        assert.ok(e instanceof PoisonTaskError, `expected a PoisonTaskError, got ${String(e)}`);
        assert.equal(e.crashes.length, maxCrashesPerChunk);
      });
    }
    assert.fail(`job ${tracked.id} is live, yet its chunk ${seq} was ended with ${String(error)}`);
  }

  #end(model: ModelJob, state: "resolved" | "rejected", expect?: (e: unknown) => void): void {
    model.state = state;
    model.expect = expect;
    // Within a step the dispatcher hears of every settlement before its pump sends anything.
    model.endedAtSend = this.#stepSends;
  }

  /** The promise each job returned is pending, resolved or rejected exactly as the model says. */
  #checkJobs(): void {
    for (const t of this.jobs) {
      const where = `job ${t.id}`;
      assert.ok(t.outputCalls <= 1, `${where}: its output was finished or failed ${t.outputCalls} times`);
      assert.ok(t.settleCount <= 1, `${where} settled twice`);
      const { state, expect } = t.model;
      if (state === "waiting" || state === "live") {
        assert.equal(t.settled, undefined, `${where} settled while the model says it is still running`);
      } else if (state === "resolved") {
        assert.ok(t.settled?.ok, `${where} should have resolved: ${describeError(t.settled)}`);
        assert.deepEqual(t.settled.value, t.expected, `${where} resolved with the wrong value`);
      } else {
        assert.ok(t.settled && !t.settled.ok, `${where} should have rejected`);
        expect!(t.settled.error);
      }
    }
  }

  /** Nothing is sent for a job once it has ended, and a chunk is sent again only after a failure. */
  #checkSends(): void {
    const sends = new Map<Tracked, Map<number, number>>();
    for (const sent of this.backend.sent) {
      const t = this.#byId.get(sent.spec.id)!;
      const limit = t.model.endedAtSend;
      assert.ok(
        limit === undefined || sent.order < limit,
        `chunk ${sent.chunk.seq} of job ${t.id} was sent after the job ended`,
      );
      let perChunk = sends.get(t);
      if (!perChunk) sends.set(t, (perChunk = new Map<number, number>()));
      bump(perChunk, sent.chunk.seq);
    }
    for (const [t, perChunk] of sends) {
      for (const [seq, count] of perChunk) {
        const allowed = 1 + (t.model.resends.get(seq) ?? 0);
        assert.ok(count <= allowed, `job ${t.id}: chunk ${seq} sent ${count} times, ${allowed} allowed`);
      }
    }
  }

  /** A restart must end a chunk that was told to stop a grace period ago, never an innocent one. */
  #checkRestart(restart: Restart): void {
    const { head, reason } = restart;
    assert.ok(head, `worker ${restart.worker} was restarted with nothing running (${reason.message})`);
    const t = this.#byId.get(head.spec.id)!;
    const startedAt = this.#startedAt.get(head);
    if (reason instanceof TimeoutError && t.plan.timeoutMs !== undefined && startedAt !== undefined) {
      const after = restart.at - startedAt;
      assert.ok(
        after >= t.plan.timeoutMs + graceMs,
        `restarted ${after} ms after start: before deadline and grace`,
      );
      return;
    }
    assert.ok(
      t.model.state !== "live",
      `job ${t.id} is live, yet worker ${restart.worker} was restarted under its chunk: ${reason.message}`,
    );
    // A job that ended (cancelled, or failed on another chunk) stops its running chunks with its error.
    assert.ok(
      reason instanceof AbortError || t.model.state === "rejected",
      `restarted with ${String(reason)} though its job ${t.id} was not cancelled or failed`,
    );
    const since = this.#headSince.get(head);
    assert.ok(
      since !== undefined && restart.at - since >= graceMs,
      "restarted before the grace period passed",
    );
  }

  /**
   * After a cancel, every chunk of the job is aborted; its running ones have their worker ended
   * once the grace period passes. A chunk past its deadline likewise.
   */
  #checkStops(): void {
    for (let w = 0; w < this.scenario.workers; w++) {
      for (const [i, sent] of this.backend.lane(w).entries()) {
        const t = this.#byId.get(sent.spec.id)!;
        const live = t.model.state === "live";
        if (i === 0 && !live && !this.#headSince.has(sent)) this.#headSince.set(sent, this.now);
        if (t.model.cancelled) {
          assert.ok(
            sent.aborts.some((r) => r instanceof AbortError),
            `chunk ${sent.chunk.seq} of cancelled job ${t.id} was not aborted`,
          );
          if (i > 0) continue;
          const since = this.#headSince.get(sent)!;
          assert.ok(
            this.now - since < graceMs,
            `chunk ${sent.chunk.seq} of cancelled job ${t.id} still runs ${this.now - since} ms after its abort; its worker should have been restarted`,
          );
        } else if (i === 0 && live && t.plan.timeoutMs !== undefined) {
          const startedAt = this.#startedAt.get(sent);
          if (startedAt === undefined) continue;
          const late = this.now - startedAt - t.plan.timeoutMs;
          if (late >= 0) {
            assert.ok(
              sent.aborts.some((r) => r instanceof TimeoutError),
              `chunk past its deadline not aborted`,
            );
          }
          assert.ok(
            late < graceMs,
            `chunk ${late} ms past its deadline still runs; its worker should be ended`,
          );
        }
      }
    }
  }

  /** Settles everything the script left running, lets every timer fire, and checks the end state. */
  async drain(): Promise<void> {
    for (const t of this.jobs) if (t.model.state === "waiting") this.begin(t);
    await flush();
    this.observe();
    let idle = 0;
    while (this.jobs.some((t) => t.model.state === "live") || this.backend.inFlight().length > 0) {
      const heads = this.backend.inFlight().filter((s) => s === this.backend.head(s.worker));
      // Chunks of ended jobs are left running a while, so their grace periods play out.
      const head =
        heads.find((s) => this.#byId.get(s.spec.id)!.model.state === "live") ?? (idle > 0 && heads[0]);
      if (head) {
        this.backend.succeed(head, 1);
        await flush();
        this.observe();
        idle = 0;
        continue;
      }
      // Nothing live in flight: a job waits on a retry's backoff, or an ended one on its grace period.
      assert.ok(++idle <= 20, `nothing in flight, yet job(s) never settle: ${this.#describe()}`);
      await this.advance(graceMs);
    }
    // Stray timers (a grace period, a deadline) must find nothing to end.
    await this.advance(100);
    for (const t of this.jobs) {
      assert.notEqual(t.settled, undefined, `job ${t.id} never settled`);
      if (t.model.begun) {
        const states = t.records.map((r) => r.state);
        assert.deepEqual(states, ["started", t.settled!.ok ? "completed" : "failed"]);
        assert.equal(this.backend.forgotten.filter((id) => id === t.id).length, 1, `job ${t.id} forgotten`);
      }
      if (t.model.state === "resolved") {
        for (const [seq, errors] of t.model.errors)
          assert.ok(errors <= t.plan.retries, `chunk ${seq} retried`);
      }
    }
    await this.#checkSlotsFree();
  }

  /** Every worker slot is free again: a new job fills all of them in one round. */
  async #checkSlotsFree(): Promise<void> {
    const { workers, prefetch } = this.scenario;
    const slots = workers * (prefetch ? 2 : 1);
    const probe = this.add({
      source: "array",
      op: "collect",
      items: slots,
      bounds: { minChunk: 1, maxChunk: 1 },
      retries: 0,
      delayMs: 0,
      timeoutMs: undefined,
      priority: 0,
      beginAt: 0,
      cancelAt: undefined,
    });
    this.begin(probe);
    await flush();
    this.observe();
    assert.equal(this.backend.inFlight().length, slots, "a worker slot was never given back");
    for (const sent of this.backend.inFlight()) this.backend.succeed(sent, 1);
    await flush();
    this.observe();
    assert.equal(probe.model.state, "resolved");
  }

  #describe(): string {
    return this.jobs.map((t) => `${t.id}:${t.model.state}`).join(", ");
  }
}

function describeError(settled: Tracked["settled"]): string {
  return settled && !settled.ok ? String(settled.error) : "still pending";
}

function expectAbort(error: unknown): void {
  assert.ok(error instanceof AbortError, `expected an AbortError, got ${String(error)}`);
}

/** Runs a scenario's script on mocked timers, then drains it. */
async function run(scenario: Scenario): Promise<Harness> {
  mock.timers.enable({ apis: ["setTimeout"] });
  const harness = new Harness(scenario);
  try {
    const tracked = scenario.jobs.map((plan) => harness.add(plan));
    for (let step = 0; step <= scenario.actions.length; step++) {
      for (const t of tracked) {
        if (t.plan.beginAt === step) harness.begin(t);
        if (t.plan.cancelAt === step) harness.cancel(t);
      }
      await flush();
      harness.observe();
      const action = scenario.actions[step];
      if (action) await harness.act(action);
    }
    await harness.drain();
    return harness;
  } finally {
    harness.dispatcher.close();
    mock.timers.reset();
  }
}

/** How often each kind of action comes up; a scenario draws one mix, so some are mostly crashes, some mostly waiting. */
type Mix = Record<Action["kind"], number>;

const actionArb = (mix: Mix): fc.Arbitrary<Action> => {
  // Small picks, so the same worker and chunk are hit again and again.
  const pick = fc.nat(5);
  const kinds: fc.WeightedArbitrary<Action>[] = [
    {
      weight: mix.ok,
      arbitrary: fc.record({
        kind: fc.constant("ok" as const),
        pick,
        busyMs: fc.integer({ min: 0, max: 30 }),
      }),
    },
    { weight: mix.fail, arbitrary: fc.record({ kind: fc.constant("fail" as const), pick }) },
    { weight: mix.crash, arbitrary: fc.record({ kind: fc.constant("crash" as const), pick }) },
    { weight: mix.interrupt, arbitrary: fc.record({ kind: fc.constant("interrupt" as const), pick }) },
    { weight: mix.die, arbitrary: fc.record({ kind: fc.constant("die" as const), pick }) },
    { weight: mix.start, arbitrary: fc.record({ kind: fc.constant("start" as const), pick }) },
    {
      weight: mix.tick,
      arbitrary: fc.record({
        kind: fc.constant("tick" as const),
        ms: fc.integer({ min: 1, max: 3 * graceMs }),
      }),
    },
  ];
  return fc.oneof(...kinds.filter((k) => k.weight > 0));
};

const mixArb = (deadlines: boolean): fc.Arbitrary<Mix> =>
  fc.record({
    ok: fc.integer({ min: 1, max: 8 }),
    fail: fc.integer({ min: 0, max: 4 }),
    crash: fc.integer({ min: 0, max: 4 }),
    interrupt: fc.integer({ min: 0, max: 3 }),
    die: fc.integer({ min: 0, max: 2 }),
    start: deadlines ? fc.integer({ min: 1, max: 4 }) : fc.constant(0),
    tick: fc.integer({ min: 0, max: 6 }),
  });

const jobArb = (deadlines: boolean, steps: number): fc.Arbitrary<JobPlan> =>
  fc.record({
    source: fc.constantFrom("array" as const, "range" as const),
    op: fc.constantFrom("collect" as const, "count" as const),
    items: fc.integer({ min: 0, max: 30 }),
    bounds: fc
      .tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 5 }))
      .map(([minChunk, extra]) => ({ minChunk, maxChunk: minChunk + extra })),
    retries: fc.integer({ min: 0, max: 3 }),
    delayMs: fc.constantFrom(0, 0, 5),
    timeoutMs: deadlines ? fc.constantFrom(undefined, 15, 25) : fc.constant(undefined),
    priority: fc.integer({ min: -1, max: 1 }),
    beginAt: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: steps })),
    cancelAt: fc.option(fc.integer({ min: 0, max: steps }), { nil: undefined, freq: 2 }),
  });

const scenarioArb = (deadlines: boolean): fc.Arbitrary<Scenario> =>
  fc.record({
    workers: fc.integer({ min: 1, max: 3 }),
    prefetch: fc.boolean(),
    anyOrder: fc.boolean(),
    jobs: fc.array(jobArb(deadlines, 60), { minLength: 1, maxLength: 3 }),
    actions: mixArb(deadlines).chain((mix) => fc.array(actionArb(mix), { maxLength: 60 })),
  });

const plain: JobPlan = {
  source: "array",
  op: "collect",
  items: 6,
  bounds: { minChunk: 1, maxChunk: 1 },
  retries: 0,
  delayMs: 0,
  timeoutMs: undefined,
  priority: 0,
  beginAt: 0,
  cancelAt: undefined,
};

describe("dispatcher faults, with a fake backend", () => {
  test("random failures, crashes, interruptions and cancels: each job ends as the model says", async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb(false), async (scenario) => void (await run(scenario))),
      { ...params, numRuns: 300 },
    );
  });

  test("the same with deadlines: a chunk past its timeout is aborted, then its worker ended", async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb(true), async (scenario) => void (await run(scenario))),
      { ...params, numRuns: 300 },
    );
  });

  test("a chunk that crashes its worker three times is poison", async () => {
    const crash = { kind: "crash", pick: 0 } as const;
    const harness = await run({
      workers: 2,
      prefetch: true,
      anyOrder: false,
      jobs: [{ ...plain, items: 1 }],
      actions: [crash, crash, crash],
    });
    const [{ settled }] = harness.jobs as [Tracked];
    assert.ok(settled && !settled.ok && settled.error instanceof PoisonTaskError);
    assert.equal(harness.backend.sent.filter((s) => s.spec.id === 1).length, 3);
  });

  test("interruptions never count: a chunk interrupted many times still completes", async () => {
    const interrupt = { kind: "interrupt", pick: 0 } as const;
    const harness = await run({
      workers: 1,
      prefetch: false,
      anyOrder: false,
      jobs: [{ ...plain, items: 1 }],
      actions: Array.from({ length: 10 }, () => interrupt),
    });
    assert.deepEqual(harness.jobs[0]!.settled, { ok: true, value: [1] });
    assert.equal(harness.backend.sent.filter((s) => s.spec.id === 1).length, 11);
  });

  test("a task error is retried exactly `retries` times, then fails the job with every attempt", async () => {
    const fail = { kind: "fail", pick: 0 } as const;
    const harness = await run({
      workers: 1,
      prefetch: false,
      anyOrder: false,
      jobs: [{ ...plain, items: 1, retries: 2 }],
      actions: [fail, fail, fail],
    });
    const { settled } = harness.jobs[0]!;
    assert.ok(settled && !settled.ok && settled.error instanceof TaskError);
    assert.equal(settled.error.attempts.length, 3);
    assert.equal(harness.backend.sent.filter((s) => s.spec.id === 1).length, 3);
  });

  test("cancelling aborts every chunk of the job, and ends a worker still running one after the grace period", async () => {
    const harness = await run({
      workers: 2,
      prefetch: true,
      anyOrder: false,
      jobs: [{ ...plain, cancelAt: 1 }],
      // A pause while the first chunks go out; then the cancel, and the grace period.
      actions: [
        { kind: "tick", ms: 0 },
        { kind: "tick", ms: graceMs },
      ],
    });
    const restarted = harness.backend.restarts.map((r) => r.worker).sort();
    assert.deepEqual(restarted, [0, 1]);
    assert.ok(harness.backend.restarts.every((r) => r.reason instanceof AbortError && r.at === graceMs));
    // Two chunks each on two workers; the probe job of the drain sends the rest.
    assert.equal(harness.backend.sent.filter((s) => s.spec.id === 1).length, 4);
  });

  test("a chunk that keeps running past its deadline is retried, then fails the job with a TimeoutError", async () => {
    const start = { kind: "start", pick: 0 } as const;
    const wait = { kind: "tick", ms: 15 + graceMs } as const;
    const harness = await run({
      workers: 1,
      prefetch: false,
      anyOrder: false,
      jobs: [{ ...plain, items: 1, retries: 1, timeoutMs: 15 }],
      actions: [start, wait, start, wait],
    });
    const { settled } = harness.jobs[0]!;
    assert.ok(settled && !settled.ok && settled.error instanceof TimeoutError, describeError(settled));
    assert.deepEqual(
      harness.backend.restarts.map((r) => [r.at, r.reason.name]),
      [
        [25, "TimeoutError"],
        [50, "TimeoutError"],
      ],
    );
  });

  // A worker reports "started" only once the job's task modules are loaded, so a cancel often
  // comes first. The deadline timer set on "started" then replaces the grace timer set by the
  // cancel without clearing it, and that timer ends the worker a grace period later whatever
  // it is running by then.
  test("a cancel before the chunk reports started never ends the worker once that chunk has stopped", async () => {
    mock.timers.enable({ apis: ["setTimeout"] });
    const harness = new Harness({ workers: 1, prefetch: false, anyOrder: false, jobs: [], actions: [] });
    try {
      const { backend } = harness;
      const cancelled = harness.add({ ...plain, items: 1, timeoutMs: 1000 });
      const innocent = harness.add({ ...plain, items: 1 });
      harness.begin(cancelled);
      await flush();
      const chunk = backend.head(0)!;
      harness.cancel(cancelled);
      backend.start(chunk);
      await flush();
      // The task sees its signal and stops at once, well within the grace period.
      backend.failTask(chunk, new Error("stopped: cancelled"));
      harness.begin(innocent);
      await flush();
      mock.timers.tick(graceMs);
      await flush();
      for (const sent of backend.inFlight()) backend.succeed(sent);
      await flush();
      assert.deepEqual(
        {
          restarts: backend.restarts.map((r) => `worker ${r.worker} under job ${r.head?.spec.id}`),
          innocent: innocent.settled?.ok ? innocent.settled : describeError(innocent.settled),
        },
        { restarts: [], innocent: { ok: true, value: [1] } },
      );
    } finally {
      harness.dispatcher.close();
      mock.timers.reset();
    }
  });

  // The job keeps its chunks to retry in one queue and the scheduler is told of each when its wait
  // is over; the dispatcher then takes the job's oldest, not the one whose wait ended.
  test("a chunk waiting out its retry backoff is not sent early because another chunk was interrupted", async () => {
    mock.timers.enable({ apis: ["setTimeout"] });
    const harness = new Harness({ workers: 2, prefetch: false, anyOrder: false, jobs: [], actions: [] });
    try {
      const { backend } = harness;
      const job = harness.add({ ...plain, items: 2, retries: 1, delayMs: 100 });
      harness.begin(job);
      await flush();
      const [failed, interrupted] = backend.inFlight() as [Sent, Sent];
      backend.failTask(failed);
      await flush();
      backend.reject(interrupted, new InterruptedError("worker 1 stopped"));
      await flush();
      const resentAtOnce = backend.sent.slice(2).map((s) => s.chunk.seq);
      mock.timers.tick(100);
      await flush();
      const resentAfterWait = backend.sent.slice(2 + resentAtOnce.length).map((s) => s.chunk.seq);
      for (const sent of backend.inFlight()) backend.succeed(sent);
      await flush();
      assert.deepEqual(
        { resentAtOnce, resentAfterWait },
        { resentAtOnce: [interrupted.chunk.seq], resentAfterWait: [failed.chunk.seq] },
      );
      assert.deepEqual(job.settled, { ok: true, value: [1, 4] });
    } finally {
      harness.dispatcher.close();
      mock.timers.reset();
    }
  });
});
