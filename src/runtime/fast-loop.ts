// A chunk loop generated for each job, so each task call site sees one function and V8 can inline it.
//
// A loop shared by every job calls many different tasks from one call site; V8 then stops inlining
// them and each item pays a generic call (a measurable loss on cheap items such as trial-division
// primes). Generating the loop per job gives each job its own call sites. Only weft's own template
// is compiled here: the generated text holds stage indices and operators, never user code or data.
import type { ChunkInput, Stage } from "../plan/plan.ts";

type Fn = (...args: unknown[]) => unknown;

/** Where the loop stopped: an item whose step returned a promise, or the item that threw. */
export interface LoopState {
  /** Stage index; `prefix length` means the part after the generated stages (the rest of the pipeline). */
  stage: number;
  pending: PromiseLike<unknown> | undefined;
  value: unknown;
  /** Offset of the item that threw. */
  offset: number;
}

/**
 * Runs items `from..count` of `input` through the generated stages, then `rest` (which returns a
 * promise only when something was async). Returns -1 when done, or the offset of the item whose
 * step returned a promise, with where in `state`, so the caller can await it and continue from the next.
 */
export type FastLoop = (
  input: ChunkInput,
  from: number,
  rest: (value: unknown) => unknown,
  state: LoopState,
) => number;

/** The leading map and filter stages, which the generated loop runs; the rest goes through `rest`. */
export function fastPrefix(stages: readonly { op: Stage["op"] }[]): number {
  const flat = stages.findIndex((s) => s.op !== "map" && s.op !== "filter");
  return flat === -1 ? stages.length : flat;
}

export function compileFastLoop(stages: readonly { op: Stage["op"]; fn: Fn }[]): FastLoop {
  const prefix = fastPrefix(stages);
  const pause = (stage: number) =>
    `if (o !== null && (typeof o === "object" || typeof o === "function") && typeof o.then === "function") ` +
    `{ state.stage = ${stage}; state.pending = o; state.value = v; return k; }`;
  let body = "";
  for (let i = 0; i < prefix; i++) {
    body += `at = ${i}; o = s${i}(v); ${pause(i)}\n`;
    body += stages[i]!.op === "map" ? "v = o;\n" : "if (!o) continue;\n";
  }
  body += `at = ${prefix}; o = rest(v); if (o !== undefined) { state.stage = ${prefix}; state.pending = o; state.value = v; return k; }\n`;
  const loop = (read: string, length: string) => `
    let k = from, at = 0, o, v;
    try {
      for (const n = ${length}; k < n; k++) {
        v = ${read};
        ${body}
      }
    } catch (error) {
      state.offset = k;
      state.stage = at;
      throw error;
    }
    return -1;`;
  const names = Array.from({ length: prefix }, (_, i) => `s${i}`);
  const source = `
    const items = (input, from, rest, state) => { const a = input.items; ${loop("a[k]", "a.length")} };
    const range = (input, from, rest, state) => { const f = input.origin, d = input.step, s = input.first; ${loop("f + (s + k) * d", "input.count")} };
    const typed = (input, from, rest, state) => { const a = input.array; ${loop("a[k]", "a.length")} };
    return (input, from, rest, state) =>
      input.kind === "range" ? range(input, from, rest, state)
      : input.kind === "items" ? items(input, from, rest, state)
      : typed(input, from, rest, state);`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const build = new Function(...names, source) as (...fns: Fn[]) => FastLoop;
  return build(...stages.slice(0, prefix).map((s) => s.fn));
}
