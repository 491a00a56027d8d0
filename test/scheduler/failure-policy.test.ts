// The failure policy as a pure function: every kind of failure, at every attempt, under every policy.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  decide,
  maxCrashesPerChunk,
  type FailureFacts,
  type FailureKind,
} from "../../src/scheduler/failure-policy.ts";
import type { RetryPolicy } from "../../src/scheduler/retry.ts";

const policyArb: fc.Arbitrary<RetryPolicy> = fc.record({
  retries: fc.integer({ min: 0, max: 5 }),
  initialDelayMs: fc.integer({ min: 0, max: 1000 }),
  factor: fc.double({ min: 1, max: 4, noNaN: true }),
  maxDelayMs: fc.integer({ min: 0, max: 20_000 }),
  jitter: fc.boolean(),
});

const factsArb: fc.Arbitrary<FailureFacts> = fc.record({
  kind: fc.constantFrom<FailureKind>("interrupted", "timeout", "crash", "task", "other"),
  error: fc.constant(new Error("boom")),
  attempts: fc.integer({ min: 0, max: 8 }),
  crashes: fc.integer({ min: 0, max: 5 }),
  policy: policyArb,
  collect: fc.boolean(),
  lastRun: fc.boolean(),
  random: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
});

const base: FailureFacts = {
  kind: "task",
  error: new Error("boom"),
  attempts: 1,
  crashes: 0,
  policy: { retries: 2, initialDelayMs: 100, factor: 2, maxDelayMs: 10_000, jitter: false },
  collect: false,
  lastRun: false,
  random: 0.5,
};

describe("the failure policy", () => {
  it("retries a task error as its policy says, with exponential waits, then fails", () => {
    assert.deepEqual(decide({ ...base, attempts: 1 }), {
      action: "retry",
      delayMs: 100,
      reported: true,
      attempt: 1,
    });
    assert.deepEqual(decide({ ...base, attempts: 2 }), {
      action: "retry",
      delayMs: 200,
      reported: true,
      attempt: 2,
    });
    assert.deepEqual(decide({ ...base, attempts: 3 }), { action: "fail", poison: false });
  });

  it("under collect, gives a task error one last run that sets failing items aside, and only one", () => {
    assert.deepEqual(decide({ ...base, attempts: 3, collect: true }), { action: "set-aside" });
    assert.deepEqual(decide({ ...base, attempts: 3, collect: true, lastRun: true }), {
      action: "fail",
      poison: false,
    });
    // A deadline is not an item's failure: there is nothing to set aside.
    assert.deepEqual(decide({ ...base, kind: "timeout", attempts: 3, collect: true }), {
      action: "fail",
      poison: false,
    });
  });

  it("asks the policy's predicate, with the error that counts", () => {
    const policy: RetryPolicy = { retries: 5, retryIf: (error) => error.message !== "fatal" };
    assert.equal(decide({ ...base, policy, error: new Error("fatal") }).action, "fail");
    assert.equal(decide({ ...base, policy, error: new Error("flaky") }).action, "retry");
  });

  it(`retries a crash at once until the ${maxCrashesPerChunk}rd, which is poison; retries an interrupted chunk for free`, () => {
    for (let crashes = 1; crashes < maxCrashesPerChunk; crashes++) {
      assert.deepEqual(decide({ ...base, kind: "crash", crashes }), {
        action: "retry",
        delayMs: 0,
        reported: true,
        attempt: crashes,
      });
    }
    assert.deepEqual(decide({ ...base, kind: "crash", crashes: maxCrashesPerChunk }), {
      action: "fail",
      poison: true,
    });
    assert.deepEqual(decide({ ...base, kind: "interrupted", attempts: 99, crashes: 99 }), {
      action: "retry",
      delayMs: 0,
      reported: false,
      attempt: 99,
    });
    assert.deepEqual(decide({ ...base, kind: "other" }), { action: "fail", poison: false });
  });

  it("never waits longer than the policy's cap, never retries past its count, and never sets aside twice", () => {
    fc.assert(
      fc.property(factsArb, (facts) => {
        const decision = decide(facts);
        if (decision.action === "retry") {
          assert.ok(decision.delayMs >= 0 && decision.delayMs <= (facts.policy.maxDelayMs ?? 10_000));
          if (facts.kind === "task" || facts.kind === "timeout")
            assert.ok(facts.attempts <= facts.policy.retries);
          if (facts.kind === "crash") assert.ok(facts.crashes < maxCrashesPerChunk);
        }
        if (decision.action === "set-aside") {
          assert.equal(facts.kind, "task");
          assert.ok(facts.collect && !facts.lastRun);
        }
        if (decision.action === "fail" && decision.poison) assert.equal(facts.kind, "crash");
      }),
      { seed: 42, numRuns: 2000 },
    );
  });
});
