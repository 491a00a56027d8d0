// When a failed chunk is tried again, and after how long: pure functions, the randomness passed in.
import { OptionError } from "../errors.ts";

/** How a job (or a task) retries an item that threw. */
export interface RetryPolicy {
  /** Attempts after the first. @default 0 */
  readonly retries: number;
  /** Wait before the first retry, in ms; doubled (times `factor`) for each one after. @default 100 */
  readonly initialDelayMs?: number;
  /** @default 2 */
  readonly factor?: number;
  /** The longest wait between two attempts, in ms. @default 10000 */
  readonly maxDelayMs?: number;
  /** Spread each wait uniformly over [0, delay], so retries of many chunks do not arrive together. @default true */
  readonly jitter?: boolean;
  /** Which errors are worth another attempt; the task's own error is passed. @default every error */
  readonly retryIf?: (error: Error) => boolean;
}

/** `retries: 3` is short for `{ retries: 3 }`. */
export type RetryOption = number | RetryPolicy;

export const noRetries: RetryPolicy = { retries: 0 };

export function resolveRetry(option: RetryOption | undefined): RetryPolicy {
  if (option === undefined) return noRetries;
  const policy = typeof option === "number" ? { retries: option } : option;
  const { retries, initialDelayMs = 100, factor = 2, maxDelayMs = 10_000 } = policy;
  if (!Number.isInteger(retries) || retries < 0) {
    throw new OptionError(`retries must be a whole number of attempts, 0 or more; got ${String(retries)}`);
  }
  for (const [name, value] of [
    ["initialDelayMs", initialDelayMs],
    ["maxDelayMs", maxDelayMs],
  ] as const) {
    if (!(value >= 0) || !Number.isFinite(value))
      throw new OptionError(`${name} must be a number of ms >= 0, got ${value}`);
  }
  if (!(factor >= 1)) throw new OptionError(`factor must be at least 1, got ${factor}`);
  return policy;
}

/** Whether attempt number `attempt` (1 = the first) that failed with `error` gets another. */
export function shouldRetry(policy: RetryPolicy, error: Error, attempt: number): boolean {
  return attempt <= policy.retries && (policy.retryIf?.(error) ?? true);
}

/** The wait before attempt `attempt + 1`, given a uniform random number in [0, 1). */
export function retryDelayMs(policy: RetryPolicy, attempt: number, random: number): number {
  const { initialDelayMs = 100, factor = 2, maxDelayMs = 10_000, jitter = true } = policy;
  const delay = Math.min(maxDelayMs, initialDelayMs * factor ** (attempt - 1));
  return jitter ? delay * random : delay;
}
