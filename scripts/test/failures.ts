// The failures of a whole `npm test`, told again at its very end. Each part prints its own failures
// where it ends, but the parts after it (the other Node.js lines, Bun, Deno) push them far up the
// output, and a CI log is often read from its tail: there, a failure named without its message had
// to be reproduced to be understood. run-files.ts records each failing test in a file that main.ts
// names; main.ts prints them last.
import { appendFileSync, readFileSync } from "node:fs";
import { relative, resolve } from "node:path";

/** The variable that names the file failures are recorded in; unset, nothing is recorded. */
export const failuresFileVariable = "WEFT_TEST_FAILURES_FILE";

/** What node:test reports of a failing test (its `test:fail` event's data), as far as a recap needs it. */
export interface FailedTest {
  readonly name: string;
  readonly file?: string;
  readonly details: { readonly error: Error & { failureType?: string; cause?: unknown } };
}

interface Recorded {
  readonly node: string;
  readonly where: string;
  readonly name: string;
  readonly message: string;
}

/** Lines of a failure's message kept in the recap: an assertion's diff fits, a long dump does not. */
const messageLines = 12;

/** Records the failing tests of one run of run-files.ts, if `npm test` named a file for them. */
export class FailureRecorder {
  readonly #path = process.env[failuresFileVariable];
  /** The last lines each test file wrote to its standard error or as diagnostics. */
  readonly #output = new Map<string, string[]>();

  constructor(readonly root: string) {}

  /**
   * A test file wrote `message` to its standard error (node:test's `test:stderr`: the time limit's
   * message, a crash) or reported it as a diagnostic (`test:diagnostic`: an error thrown after its tests).
   */
  output(file: string, message: string): void {
    if (!this.#path) return;
    const lines = [...(this.#output.get(file) ?? []), ...message.split("\n").filter((l) => l.trim())];
    this.#output.set(file, lines.slice(-messageLines));
  }

  /** `test` failed; one that failed only because a test inside it did is left out (that one is recorded). */
  failed(test: FailedTest): void {
    const { error } = test.details;
    if (!this.#path || error.failureType === "subtestsFailed") return;
    // A test's own throw arrives wrapped: node:test's error, with the thrown one as its cause.
    const thrown = error.cause instanceof Error ? error.cause : error;
    // A whole file fails as "test failed" when its process ends badly: what it wrote last says why.
    const wholeFile = test.file !== undefined && resolve(this.root, test.name) === test.file;
    const message = (wholeFile && this.#output.get(test.file)?.join("\n")) || String(thrown.message);
    const recorded: Recorded = {
      node: process.version,
      // No line: under tsx, node:test places every test on line 1 of the compiled file.
      where: test.file ? relative(this.root, test.file) : "(no file)",
      name: wholeFile ? "the file as a whole" : test.name,
      message: message.split("\n").slice(0, messageLines).join("\n"),
    };
    appendFileSync(this.#path, `${JSON.stringify(recorded)}\n`);
  }
}

/** The recap of the failures recorded in `path`, or undefined if none were. */
export function failureRecap(path: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  const failures = text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Recorded);
  if (failures.length === 0) return undefined;
  const told = failures.map(
    ({ node, where, name, message }) =>
      `✖ ${name}\n  ${where}, on Node.js ${node}\n${message.replace(/^/gm, "    ")}`,
  );
  const count = `${failures.length} failing test${failures.length === 1 ? "" : "s"}`;
  return `${count} on Node.js, told again:\n\n${told.join("\n\n")}`;
}
