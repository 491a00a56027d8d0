// What both stores answer when a change does not apply: the JobStateError that says why (or the job is
// not there), and the counts of jobs by state with every state present.
import type { JobState } from "../api/types.ts";
import { JobNotFoundError, JobStateError } from "./errors.ts";
import { finishedStates, transitions, type Transition } from "./statements.ts";

/** Why `transition` did not apply to job `id`, as it stands (`stored`), for a store whose replica is `owner`. */
export function refusal(
  id: string,
  transition: Transition,
  stored: { state: JobState; owner: string | null } | undefined,
  owner: string,
): Error {
  if (stored === undefined) return new JobNotFoundError(id);
  const { state } = stored;
  const { verb, from } = transitions[transition];
  const why = finishedStates.has(state)
    ? `is already ${state}`
    : (from as readonly JobState[]).includes(state) && stored.owner !== owner
      ? `is ${state} on another replica, which took it over`
      : `is ${state}, not ${from.join(" or ")}`;
  return new JobStateError(id, state, `job ${id} ${why}; cannot ${verb} it`);
}

/** Counts by state from rows of (state, count); every state present, 0 when none. */
export function stateCounts(rows: readonly { state: JobState; count: number }[]): Record<JobState, number> {
  const counts: Record<JobState, number> = {
    queued: 0,
    running: 0,
    completed: 0,
    failed: 0,
    cancelled: 0,
    interrupted: 0,
  };
  for (const { state, count } of rows) counts[state] = count;
  return counts;
}
