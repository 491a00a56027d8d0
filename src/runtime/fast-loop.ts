// The chunk loop, generated for each shape of job (its steps and its terminal, with their tasks), so
// each task call site sees one function and V8 can inline it, and the common terminals (collect,
// count, reduce, fold) update their accumulator in locals instead of calling a function per item.
//
// A loop shared by every job calls many different tasks from one call site; V8 then stops inlining
// them and each item pays a generic call. Generating the loop per shape gives each its own call
// sites, and reusing it for later jobs of the same shape keeps it optimised. Only weft's own template
// is compiled here: the generated text holds stage indices and operators, never user code or data.
//
// The loop has no try/catch: inside one, V8 optimised a task that reads a module-level constant in
// its own loop about half as well (the tiny workload's mix: 27 ns an item against 19 without). So the
// loop keeps where it is (`state.offset`, `state.stage`) and its accumulator up to date as it goes,
// and the caller, which catches what a task throws, reads them from there. A numeric accumulator is
// kept in `state.num`, a field V8 updates in place: stored in the combiner's `acc`, which holds any
// value, each new number would be a new heap object (24 ns an item instead of 19).
import type { ChunkInput, Stage, Terminal } from "../protocol/plan.ts";
import { preview } from "../protocol/serialized-errors.ts";
import type { Combiner } from "./combiners.ts";

type Fn = (...args: unknown[]) => unknown;

/**
 * The rest of a flatMap's outputs, left when the loop paused inside them: `values` from `from` on
 * (an array), or what `iterator` has not yet given, each to run from stage `next`.
 */
export interface Continuation {
  readonly values: readonly unknown[];
  readonly from: number;
  readonly iterator: Iterator<unknown> | undefined;
  readonly next: number;
}

/** Where the loop stopped: an item whose step returned a promise, or the item that threw. */
export interface LoopState {
  /**
   * Stage index; the number of stages means the part after them: the terminal's own step when the
   * loop runs it inline, or `rest` otherwise.
   */
  stage: number;
  pending: PromiseLike<unknown> | undefined;
  value: unknown;
  /** When it paused inside flatMaps: their outputs still to run, innermost first. */
  resume: Continuation[] | undefined;
  /** Offset of the item being run: the one that threw, if a step threw. */
  offset: number;
  /** The accumulator while it is a number and the loop runs; `numeric` says `num` holds it, not the combiner. */
  num: number;
  numeric: boolean;
}

export function newLoopState(): LoopState {
  return {
    stage: 0,
    pending: undefined,
    value: undefined,
    resume: undefined,
    offset: 0,
    num: 0,
    numeric: false,
  };
}

/** After a step threw: the accumulator back in the combiner, wherever the loop kept it. */
export function settleAccumulator(state: LoopState, combiner: Combiner): void {
  if (state.numeric) combiner.acc = state.num;
  state.numeric = false;
}

/**
 * Runs items `from..count` of `input` through the generated stages and the terminal (inline, or
 * `rest`, which returns a promise only when something was async). The accumulator lives in
 * `combiner`, loaded into locals on entry and kept up to date as it changes (a number in the state:
 * see {@link settleAccumulator}). Returns -1 when done, or
 * the offset of the item whose step returned a promise, with where in `state`, so the caller can
 * await it and continue from the next item. If a step throws, `state` holds the item and the stage.
 */
export type FastLoop = (
  input: ChunkInput,
  from: number,
  combiner: Combiner,
  rest: (value: unknown) => unknown,
  state: LoopState,
) => number;

/** The iterator over what a flatMap's task returned, or an error that says what it returned instead. */
export function iteratorOf(outputs: unknown): Iterator<unknown> {
  const iterate = (outputs as Partial<Iterable<unknown>> | null | undefined)?.[Symbol.iterator];
  if (typeof iterate !== "function") {
    const what = outputs == null ? String(outputs) : `${typeof outputs} ${preview(outputs)}`;
    throw new TypeError(
      `flatMap's task returned ${what}, which is not iterable: return an array (or any iterable) of the values to put in the item's place`,
    );
  }
  return iterate.call(outputs);
}

/** Terminals whose step the loop runs inline; the others go through `rest` (the combiner's `add`). */
type InlineTerminal = "collect" | "count" | "reduce" | "fold";
const inlineTerminals = new Set<Terminal["op"]>(["collect", "count", "reduce", "fold"]);

/** Whether the loop runs the terminal's step itself. */
export function runsTerminalInline(terminal: Terminal["op"]): boolean {
  return inlineTerminals.has(terminal);
}

/**
 * Loops already generated, by the shape they were generated for. A worker loads each task once, so
 * a shape names its functions too; a long-lived worker sees few shapes, and the cap keeps a stream
 * of one-off inline functions from growing it without end.
 */
const generated = new Map<string, FastLoop>();
const generatedCap = 256;

/**
 * The loop for `stages` and a terminal `terminal` whose step functions are `terminalFns` (for an
 * inline terminal, its reducer). `shape` identifies the stages' and terminal's tasks.
 */
export function fastLoopFor(
  shape: string,
  stages: readonly { op: Stage["op"]; fn: Fn }[],
  terminal: Terminal["op"],
  terminalFns: readonly Fn[],
): FastLoop {
  let loop = generated.get(shape);
  if (!loop) {
    loop = compileFastLoop(stages, terminal, terminalFns);
    if (generated.size >= generatedCap) generated.delete(generated.keys().next().value!);
    generated.set(shape, loop);
  }
  return loop;
}

export function compileFastLoop(
  stages: readonly { op: Stage["op"]; fn: Fn }[],
  terminal: Terminal["op"],
  terminalFns: readonly Fn[],
): FastLoop {
  const inline = runsTerminalInline(terminal) ? (terminal as InlineTerminal) : undefined;
  const thenable = (name: string) =>
    `${name} !== null && (typeof ${name} === "object" || typeof ${name} === "function") && typeof ${name}.then === "function"`;
  const store = inline ? storeOf[inline] : "";
  // The flatMaps whose outputs the code being generated runs inside, outermost first.
  const open: number[] = [];
  const resume = () =>
    open.length === 0
      ? ""
      : `state.resume = [${open
          .toReversed()
          .map((f) => `{ values: o${f}, from: j${f} + 1, iterator: i${f}, next: ${f + 1} }`)
          .join(", ")}];`;
  // Each step's input and output in variables of their own: one shared by steps whose values differ
  // in kind (a small integer in, a double out) would make V8 box every value it holds.
  const pause = (stage: number, out: string, value: string) =>
    `if (${thenable(out)}) { state.stage = ${stage}; state.pending = ${out}; state.value = ${value}; ${resume()} ${store} return k; }`;
  let body = "";
  for (let i = 0; i < stages.length; i++) {
    body += `state.stage = ${i}; const o${i} = s${i}(v${i}); ${pause(i, `o${i}`, `v${i}`)}\n`;
    const op = stages[i]!.op;
    if (op === "map") body += `const v${i + 1} = o${i};\n`;
    else if (op === "filter") body += `if (!o${i}) continue;\n const v${i + 1} = v${i};\n`;
    else {
      // Most flatMap tasks return arrays: indexing them skips an iterator's result object per value.
      // The steps after it run in a loop of their own, where a filter's `continue` skips one output.
      body += `const i${i} = Array.isArray(o${i}) ? undefined : iteratorOf(o${i});
        for (let j${i} = 0, n${i} = i${i} === undefined ? o${i}.length : Infinity; j${i} < n${i}; j${i}++) {
          let v${i + 1};
          if (i${i} === undefined) v${i + 1} = o${i}[j${i}];
          else { const step = i${i}.next(); if (step.done) break; v${i + 1} = step.value; }\n`;
      open.push(i);
    }
  }
  const last = stages.length;
  const v = `v${last}`;
  body += inline
    ? stepOf[inline](last, v, (out) => pause(last, out, v))
    : `state.stage = ${last}; const o = rest(${v}); if (o !== undefined) { state.pending = o; state.value = ${v}; ${resume()} return k; }\n`;
  body += "}".repeat(open.length);
  const loop = (read: string, length: string) => `
    ${inline ? loadOf[inline](length) : ""}
    for (let k = from, end = ${length}; k < end; k++) {
      state.offset = k;
      const v0 = ${read};
      ${body}
    }
    ${store}
    return -1;`;
  const names = [...stages.map((_, i) => `s${i}`), "t0", "iteratorOf"];
  const source = `
    const items = (input, from, c, rest, state) => { const a = input.items; ${loop("a[k]", "a.length")} };
    const range = (input, from, c, rest, state) => { const f = input.origin, d = input.step, s = input.first; ${loop("f + (s + k) * d", "input.count")} };
    const counting = (input, from, c, rest, state) => { const b = input.origin + input.first; ${loop("b + k", "input.count")} };
    const typed = (input, from, c, rest, state) => { const a = input.array; ${loop("a[k]", "a.length")} };
    // A range of whole numbers by one, the common case, in integer arithmetic the JIT keeps small.
    return (input, from, c, rest, state) =>
      input.kind === "range"
        ? input.step === 1 && Number.isSafeInteger(input.origin) ? counting(input, from, c, rest, state) : range(input, from, c, rest, state)
      : input.kind === "items" ? items(input, from, c, rest, state)
      : typed(input, from, c, rest, state);`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const build = new Function(...names, source) as (...fns: (Fn | undefined)[]) => FastLoop;
  return build(...stages.map((s) => s.fn), terminalFns[0], iteratorOf as Fn);
}

/**
 * Each inline terminal's accumulator, taken into locals from the combiner `c` (`length`: the input's
 * length, an expression)...
 */
const loadOf: Record<InlineTerminal, (length: string) => string> = {
  // A chunk's outputs are at most its items: the numbers' array is sized once, on the first entry.
  collect: (length) =>
    `const out = c.values; let nums = c.numbers === undefined ? (c.numbers = new Float64Array(${length} - from)) : c.numbers, nn = c.numbered;`,
  count: () => "let n = c.count;",
  reduce: () => "let acc = c.acc, has = c.has;",
  fold: () => "let acc = c.acc;",
};

/** ...stored back whenever the loop stops (`count` is stored as it goes)... */
const storeOf: Record<InlineTerminal, string> = {
  collect: "",
  count: "",
  reduce: "c.acc = acc; state.numeric = false;",
  fold: "c.acc = acc; state.numeric = false;",
};

/** Keeps the accumulator where the caller finds it if a later step throws (see the top of this file). */
const keep = `if (typeof acc === "number") { state.num = acc; state.numeric = true; } else { c.acc = acc; state.numeric = false; }`;

/** ...and its step for one item `v`; a reducer that goes async pauses the loop at stage `at` (`pause` of its output). */
const stepOf: Record<InlineTerminal, (at: number, v: string, pause: (out: string) => string) => string> = {
  collect: (_, v) =>
    `if (nums !== null && typeof ${v} === "number" && nn < nums.length) { nums[nn] = ${v}; c.numbered = ++nn; } else { if (nums !== null) nums = c.unpackNumbers(); out.push(${v}); }\n`,
  count: () => "c.count = ++n;\n",
  reduce: (at, v, pause) =>
    `if (has) { state.stage = ${at}; const o = t0(acc, ${v}); ${pause("o")} acc = o; } else { acc = ${v}; c.has = has = true; }\n ${keep}\n`,
  fold: (at, v, pause) => `state.stage = ${at}; const o = t0(acc, ${v}); ${pause("o")} acc = o; ${keep}\n`,
};
