// `weft submit`'s flags as the job the service takes: a workload at a size, a task over items or a
// range, or a whole definition read from a file. The service checks the job itself (and says what is
// wrong with it); what is checked here is what the flags cannot mean together.
import type { JobDefinition, TaskJob, WorkloadJob } from "../client/index.ts";

export interface JobFlags {
  readonly workload?: string;
  readonly size?: number;
  readonly task?: string;
  readonly items?: unknown[];
  readonly range?: { readonly from: number; readonly to: number; readonly step?: number };
  readonly op?: "map" | "filter";
  readonly reduce?: "collect" | "count" | "sum";
  /** A file holding a job definition as JSON; `-` is standard input. */
  readonly job?: string;
  readonly retries?: number;
  /** The longest one chunk may run, in ms. */
  readonly chunkTimeout?: number;
  readonly workers?: number;
}

const howToSay = "--workload <name>, --task <name> with --items or --range, or --job <file>";

/** The job the flags describe; `read(path)` reads `--job`'s file. Throws saying what was wrong and what to give. */
export function jobDefinition(flags: JobFlags, read: (path: string) => string): JobDefinition {
  const kinds = (["workload", "task", "job"] as const).filter((kind) => flags[kind] !== undefined);
  if (kinds.length === 0) throw new Error(`nothing to submit: give ${howToSay}`);
  if (kinds.length > 1)
    throw new Error(`--${kinds.join(" and --")} each describe a job: give one of ${howToSay}`);
  if (flags.job !== undefined) return definitionFile(flags, read);
  return flags.workload !== undefined ? workloadJob(flags, flags.workload) : taskJob(flags, flags.task!);
}

function workloadJob(flags: JobFlags, workload: string): WorkloadJob {
  refuse(
    flags,
    ["items", "range", "op", "reduce"],
    "--workload: a workload job takes a --size, not a task's input, op or reduction",
  );
  return {
    type: "workload",
    workload,
    ...(flags.size !== undefined && { size: flags.size }),
    ...options(flags),
  };
}

function taskJob(flags: JobFlags, task: string): TaskJob {
  refuse(flags, ["size"], "--task: a workload has a size, a task's input is --items or --range");
  if (flags.items !== undefined && flags.range !== undefined)
    throw new Error("--items and --range are each a task's input: give one");
  const input =
    flags.items !== undefined ? { items: flags.items } : flags.range && { range: { ...flags.range } };
  if (!input)
    throw new Error(`--task ${task} needs its input: --items '[1, 2, 3]' (a JSON array) or --range 0:1000`);
  return {
    type: "task",
    task,
    input,
    ...(flags.op !== undefined && { op: flags.op }),
    ...(flags.reduce !== undefined && { reduce: flags.reduce }),
    ...options(flags),
  };
}

function definitionFile(flags: JobFlags, read: (path: string) => string): JobDefinition {
  refuse(
    flags,
    ["size", "items", "range", "op", "reduce", "retries", "chunkTimeout", "workers"],
    "--job: the file holds the whole job, its options too",
  );
  const file = flags.job!;
  const where = file === "-" ? "standard input" : file;
  let text: string;
  try {
    text = read(file);
  } catch (error) {
    throw new Error(`--job: cannot read ${where}: ${(error as Error).message}`);
  }
  let definition: unknown;
  try {
    definition = JSON.parse(text);
  } catch (error) {
    throw new Error(`--job: ${where} is not a job definition in JSON: ${(error as Error).message}`);
  }
  if (typeof definition !== "object" || definition === null || Array.isArray(definition))
    throw new Error(
      `--job: ${where} must hold one JSON object, such as {"type": "workload", "workload": "primes"}`,
    );
  // The service checks the rest against the job's schema, and says what does not fit.
  return definition as JobDefinition;
}

function options(flags: JobFlags): Pick<WorkloadJob, "options"> {
  const chosen = {
    ...(flags.retries !== undefined && { retries: flags.retries }),
    ...(flags.chunkTimeout !== undefined && { timeoutMs: flags.chunkTimeout }),
    ...(flags.workers !== undefined && { workers: flags.workers }),
  };
  return Object.keys(chosen).length > 0 ? { options: chosen } : {};
}

/** Throws if any of `names` was given, saying they cannot go with `what` (a flag, and why not). */
function refuse(flags: JobFlags, names: readonly (keyof JobFlags)[], what: string): void {
  const given = names.filter((name) => flags[name] !== undefined).map(flagName);
  if (given.length > 0) throw new Error(`${given.join(" and ")} cannot go with ${what}`);
}

/** `chunkTimeout` → `--chunk-timeout`. */
function flagName(name: keyof JobFlags): string {
  return `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}
