// What happens to a chunk (or a submitted call) that failed: run it again, after how long, make one
// last run that sets failing items aside, or give up. A pure function: the failure, what came before
// it, the policy and a random number in; the decision out. The dispatcher and the call jobs carry it
// out with their own timers.
import { retryDelayMs, shouldRetry, type RetryPolicy } from "./retry.ts";

/** A chunk that killed its worker this many times is poison: it fails the job instead of crash-looping. */
export const maxCrashesPerChunk = 3;

/** How a chunk or call failed, as the policy tells failures apart. */
export type FailureKind =
  /** Its worker was stopped because of another chunk (a crash, a deadline, recycling): not its fault. */
  | "interrupted"
  /** It ran past its deadline. */
  | "timeout"
  /** Its worker died while running it. */
  | "crash"
  /** Its task threw on an item. */
  | "task"
  /** Anything else (a module that does not load, a value that cannot be copied): no retry helps. */
  | "other";

export interface FailureFacts {
  readonly kind: FailureKind;
  /** The error a retry predicate sees: the task's own error, or the timeout. */
  readonly error: Error;
  /** Failed attempts so far, this one included (timeouts and task errors; crashes are counted apart). */
  readonly attempts: number;
  /** Times it killed its worker so far, this one included. */
  readonly crashes: number;
  readonly policy: RetryPolicy;
  /** Under the `collect` error policy, an item that keeps failing is set aside, not fatal. */
  readonly collect: boolean;
  /** This was already the last run, the one that sets failing items aside. */
  readonly lastRun: boolean;
  /** A uniform random number in [0, 1), for the jitter of the wait. */
  readonly random: number;
}

export type Decision =
  /** Run it again after `delayMs`; `reported` retries are announced as retry events (attempt `attempt`). */
  | {
      readonly action: "retry";
      readonly delayMs: number;
      readonly reported: boolean;
      readonly attempt: number;
    }
  /** One last run that notes the items that still fail and skips them (the `collect` policy). */
  | { readonly action: "set-aside" }
  /** Give up: the job (or call) fails; `poison` when it crashed its worker too often. */
  | { readonly action: "fail"; readonly poison: boolean };

export function decide(facts: FailureFacts): Decision {
  const { kind, error, attempts, crashes, policy, random } = facts;
  switch (kind) {
    case "interrupted":
      // Not its failure: again at once, at no cost to its budget.
      return { action: "retry", delayMs: 0, reported: false, attempt: attempts };
    case "crash":
      return crashes < maxCrashesPerChunk
        ? { action: "retry", delayMs: 0, reported: true, attempt: crashes }
        : { action: "fail", poison: true };
    case "timeout":
    case "task":
      if (shouldRetry(policy, error, attempts)) {
        return {
          action: "retry",
          delayMs: retryDelayMs(policy, attempts, random),
          reported: true,
          attempt: attempts,
        };
      }
      // Out of retries: under `collect`, one last run notes the failing items and skips them.
      if (kind === "task" && facts.collect && !facts.lastRun) return { action: "set-aside" };
      return { action: "fail", poison: false };
    case "other":
      return { action: "fail", poison: false };
  }
}
