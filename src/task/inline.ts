// Inline functions travel as source text; this checks that the text makes sense on its own.
import { CapturedVariableError, TaskDefinitionError } from "../errors.ts";
import type { InlineTaskRef } from "../protocol/task-ref.ts";

// The parser loads with the first inline function, not with weft: most pools never send one, and it is
// the largest part of what a pool and each of its workers would load at start.
let parser: Promise<[typeof import("acorn"), typeof import("periscopic")]> | undefined;

/**
 * Names an inline function may use without capturing anything: what every worker has as a
 * global, plus `__name`, the helper TypeScript loaders (tsx, esbuild) insert into compiled
 * function bodies and which the worker provides.
 */
const providedNames = new Set(["__name", "arguments", "undefined", "NaN", "Infinity"]);

/** Turns a plain function into an inline task, or throws naming what keeps it from running alone. */
export async function inlineTaskRef(fn: (...args: never[]) => unknown): Promise<InlineTaskRef> {
  const source = Function.prototype.toString.call(fn);
  const name = fn.name || "(anonymous)";
  if (/\{\s*\[native code\]\s*\}$/.test(source)) {
    throw new TaskDefinitionError(
      `function ${name} is built-in or bound and has no source to send to a worker: wrap it in a function, or define a task in a module`,
    );
  }
  parser ??= Promise.all([import("acorn"), import("periscopic")]);
  const [{ parse }, { analyze }] = await parser;
  // A method shorthand such as `double(x) { ... }` is only an expression inside an object literal.
  for (const expression of [`(${source})`, `Object.values({${source}})[0]`]) {
    let ast;
    try {
      ast = parse(expression, { ecmaVersion: "latest", sourceType: "module" });
    } catch {
      continue;
    }
    const globals = [...analyze(ast as Parameters<typeof analyze>[0]).globals.keys()];
    const captured = globals.filter((v) => !providedNames.has(v) && !(v in globalThis)).sort();
    if (captured.length > 0) throw new CapturedVariableError(name, captured);
    return { kind: "inline", source: expression, name };
  }
  throw new TaskDefinitionError(
    `inline function ${name} cannot be sent to a worker: its source does not parse on its own. Define it as a task in a module.`,
  );
}

/** Rebuilds an inline function from its source inside a worker. */
export function compileInline(ref: InlineTaskRef): (...args: unknown[]) => unknown {
  const keepName = <T>(value: T): T => value;
  // The source was checked on the main thread to use nothing but globals and `__name`.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const build = new Function("__name", `"use strict"; return ${ref.source};`) as (
    helper: typeof keepName,
  ) => unknown;
  return build(keepName) as (...args: unknown[]) => unknown;
}
