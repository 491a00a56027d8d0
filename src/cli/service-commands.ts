// The commands that talk to a weft service elsewhere (weft serve): submit a job, list the jobs,
// print a job's result. Each loads the typed client only when it runs.
import { Option, type Command } from "@commander-js/extra-typings";
import { jobStates } from "../server/api/schemas.ts";
import { jsonArray, nonNegativeInteger, numberRange, positiveInteger, positiveNumber } from "./arguments.ts";
import { defaultServiceUrl } from "./service-address.ts";

// The service's address and token, and how long --wait waits: options each of the commands takes.
const urlOption = () =>
  new Option("--url <url>", `the service's address (default: $WEFT_URL, else ${defaultServiceUrl})`);
const tokenOption = () =>
  new Option(
    "--token <token>",
    "the token the service requires (default: $WEFT_TOKEN, which keeps it out of the process list)",
  );
const waitTimeoutOption = () =>
  new Option("--wait-timeout <seconds>", "with --wait: how long to wait at most (default: 600)").argParser(
    positiveNumber,
  );

/** Adds `weft submit`, `weft jobs` and `weft result` to the `weft` command. */
export function serviceCommands(program: Command): void {
  program
    .command("submit")
    .description(
      "send a job to a weft service (weft serve): a workload, a task over items or a range, or a job file; prints its id, or with --wait its result as JSON",
    )
    .option("--workload <name>", "a built-in workload (weft workloads lists them)")
    .option("--size <n>", "the workload's size (default: its own)", positiveInteger)
    .option(
      "--task <name>",
      "a task of the service's --tasks modules, as <file name>.<export> (tasks.isPrime)",
    )
    .option("--items <json>", "the task's input: a JSON array, such as '[1, 2, 3]'", jsonArray)
    .option(
      "--range <from:to[:step]>",
      "the task's input: numbers from `from` up to (not including) `to`",
      numberRange,
    )
    .addOption(
      new Option("--op <op>", "map each item (default), or keep those the task is true for").choices([
        "map",
        "filter",
      ] as const),
    )
    .addOption(
      new Option("--reduce <how>", "keep every output (collect, the default), or count or sum them").choices([
        "collect",
        "count",
        "sum",
      ] as const),
    )
    .option(
      "--job <file>",
      "a whole job definition in JSON, of any kind (a bench too); - reads standard input",
    )
    .option("--retries <n>", "how often a failing chunk is tried again, 0 to 10", nonNegativeInteger)
    .option("--chunk-timeout <ms>", "the longest one chunk may run", positiveInteger)
    .option(
      "--workers <n>",
      "run on a pool of this many threads of its own, not the service's shared one",
      positiveInteger,
    )
    .option("--wait", "wait for the job to finish, and print its result as JSON", false)
    .addOption(waitTimeoutOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action(async (options) => {
      if (options.waitTimeout !== undefined && !options.wait)
        program.error("error: --wait-timeout goes with --wait");
      const { submit } = await import("./commands/submit.ts");
      await submit(options);
      await exitOnceWritten();
    });

  program
    .command("jobs")
    .description("list the jobs of a weft service (weft serve), newest first")
    .addOption(new Option("--state <state>", "only jobs in this state").choices(jobStates))
    .option("--limit <n>", "at most this many, 1 to 500 (default: 50)", positiveInteger)
    .option("--json", "print the jobs as JSON", false)
    .addOption(urlOption())
    .addOption(tokenOption())
    .action(async (options) => {
      const { jobs } = await import("./commands/jobs.ts");
      await jobs(options);
      await exitOnceWritten();
    });

  program
    .command("result")
    .description("print a job's result as JSON, from a weft service (weft serve)")
    .argument("<id>", "the job's id, as weft submit printed it (weft jobs lists them)")
    .option("--wait", "wait for the job to finish first", false)
    .addOption(waitTimeoutOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action(async (id, options) => {
      if (options.waitTimeout !== undefined && !options.wait)
        program.error("error: --wait-timeout goes with --wait");
      const { result } = await import("./commands/result.ts");
      await result(id, options);
      await exitOnceWritten();
    });
}

/**
 * Ends the process once what it printed is written: a one-shot command is done then, and nothing the
 * client may still hold (an event stream being closed, an idle connection) may keep a shell or a
 * script waiting. Once, on a loaded CI machine, a `submit --wait` that had printed its result was still
 * running 24 s later.
 */
function exitOnceWritten(): Promise<never> {
  return new Promise(() => {
    let pending = 2;
    const done = () => {
      if (--pending === 0) process.exit();
    };
    process.stdout.write("", done);
    process.stderr.write("", done);
  });
}
