// Publishing a benchmark run for the docs: `--publish` on each benchmark program writes its results
// into docs/results/ of this checkout, with the command, machine and commit it ran on, and
// `npm run docs:results` renders the README and the guide from those files alone.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The weft checkout this module belongs to: two folders up from src/scaling/ and from dist/scaling/ alike. */
const checkoutRoot = fileURLToPath(new URL("../../", import.meta.url));

/** Where and how a stored run was made: every published file starts with this. */
export interface PublishedMeta {
  /** The command that produced the file, as typed in a checkout (it includes `--publish`). */
  readonly command: string;
  /** ISO 8601 time the run started. */
  readonly date: string;
  /** `git describe --always --dirty` of the checkout; undefined outside a git checkout. */
  readonly commit: string | undefined;
  /** `process.version`. */
  readonly node: string;
  /** `${process.platform} ${process.arch}`. */
  readonly platform: string;
  readonly cpu: string;
  /** Logical cores available to the process (`os.availableParallelism()`). */
  readonly cores: number;
  /** The 1-minute load average when the run started: other work on the cores makes every number noisier. */
  readonly loadAverage: number;
  /** True for a smoke run at small sizes: the docs then say its numbers measure nothing. */
  readonly quick: boolean;
}

/**
 * The machine, commit and time for a run starting now. `command` is what a reader types to repeat
 * it, built by {@link commandLine}.
 */
export function publishedMeta(command: string, quick: boolean): PublishedMeta {
  return {
    command,
    date: new Date().toISOString(),
    commit: gitCommit(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    cores: availableParallelism(),
    loadAverage: loadavg()[0] ?? 0,
    quick,
  };
}

/**
 * The command line a run was started with: `base` (such as `npm run bench`, or `npx weft bench`)
 * and the arguments the user gave. Under npm, arguments go after `--`.
 */
export function commandLine(base: string, args: readonly string[]): string {
  const quoted = args.map((arg) =>
    /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`,
  );
  const separator = base.startsWith("npm ") && quoted.length > 0 ? ["--"] : [];
  return [base, ...separator, ...quoted].join(" ");
}

export function gitCommit(): string | undefined {
  try {
    return execFileSync("git", ["describe", "--always", "--dirty"], {
      cwd: checkoutRoot,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return undefined;
  }
}

/**
 * docs/results/ of this checkout, or `WEFT_RESULTS_DIR` when set (to try the pipeline without
 * touching the committed files). An installed weft has no docs/, so there is nowhere to publish.
 */
export function resultsDirectory(): string {
  const chosen = process.env.WEFT_RESULTS_DIR;
  if (chosen !== undefined && chosen !== "") return resolve(chosen);
  if (!existsSync(join(checkoutRoot, "docs"))) {
    throw new Error(
      `--publish writes into docs/results/ of a weft checkout, and ${checkoutRoot} has no docs/ ` +
        `(an installed weft); set WEFT_RESULTS_DIR to publish elsewhere`,
    );
  }
  return join(checkoutRoot, "docs", "results");
}

/**
 * Writes `data` as `<results directory>/<file>` and returns the path. `npm run docs:results` formats
 * the stored files as prettier does when it renders the docs from them.
 */
export function publish(file: string, data: unknown): string {
  const directory = resultsDirectory();
  mkdirSync(directory, { recursive: true });
  const path = join(directory, file);
  writeFileSync(path, `${stringify(data, "")}\n`);
  return path;
}

/**
 * JSON with two-space indents, where an object of plain values (a timeline bar, a latency summary)
 * stays on one line when it fits: a full run's thousands of chunk bars then take a line each, not
 * six, and prettier keeps them so. `lead` is what precedes the value on its line.
 */
export function stringify(value: unknown, indent: string, lead = indent.length): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[\n${value.map((item) => inner + stringify(item, inner)).join(",\n")}\n${indent}]`;
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return "{}";
  const flat = entries.every(([, v]) => v === null || typeof v !== "object");
  const oneLine = `{ ${entries.map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(", ")} }`;
  // Well inside prettier's print width of 110, with room for a comma after it.
  if (flat && lead + oneLine.length <= 100) return oneLine;
  const member = ([k, v]: [string, unknown]) => {
    const key = `${inner}${JSON.stringify(k)}: `;
    return key + stringify(v, inner, key.length);
  };
  return `{\n${entries.map(member).join(",\n")}\n${indent}}`;
}
