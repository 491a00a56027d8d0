// The messages between the hand split's main thread and its workers: one request and one reply per part.
import type * as handlers from "./handlers.ts";

export type SplitHandlers = typeof handlers;
export type SplitKind = keyof SplitHandlers;

export interface SplitRequest {
  /** Matches the reply to its request, so a late reply from a failed run never answers the next one. */
  readonly id: number;
  /** The handler to run. */
  readonly kind: SplitKind;
  /** The handler's argument: this worker's part of the input. */
  readonly part: unknown;
}

export type SplitReply = { readonly id: number } & (
  { readonly answer: unknown } | { readonly error: string }
);
