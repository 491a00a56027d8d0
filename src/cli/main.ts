// The `weft` command: parses the command line and hands each command its typed options. Each
// command's own modules load when it runs, not for every command: `weft pipe`, started once per
// partition by Spark or Dask, and `weft worker` start without the benchmarks, workloads and
// progress bars of the others.
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { Command, Option } from "@commander-js/extra-typings";
import { fraction, nonNegativeInteger, positiveInteger, positiveNumber, workerCounts } from "./arguments.ts";
import { loadFeature } from "../optional-packages.ts";
import { defaultServicePort } from "./service-address.ts";
import { serviceCommands } from "./service-commands.ts";

const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};
const cores = availableParallelism();
if (Number(process.versions.node.split(".")[0]) < 22) {
  console.error(`weft: Node.js 22 and 24 are supported; this is ${process.version}, past its end of life`);
}
/** 1, 2, 4, ... up to twice the cores: the last steps past the hardware, to show where scaling stops. */
const defaultWorkerCounts = Array.from({ length: Math.floor(Math.log2(2 * cores)) + 1 }, (_, i) => 2 ** i);

const backendOption = () =>
  new Option("--backend <name>", "where the workers run")
    .choices(["threads", "processes"] as const)
    .default("threads");

const program = new Command()
  .name("weft")
  .description("Parallel and distributed computing for TypeScript: split, run on workers, combine, measure.")
  .version(version)
  .enablePositionalOptions()
  .showHelpAfterError("(weft --help lists the commands; weft <command> --help their options)");

program
  .command("demo")
  .description("the main job: primes below 20 million, sequentially and on all cores, with the speedup")
  .option("--size <n>", "count the primes below n (default: 20 million)", positiveInteger)
  .option("--workers <n>", "workers in the pool (default: one per core)", positiveInteger, cores)
  .addOption(backendOption())
  .option("--publish", "also save the transcript as docs/results/demo.json, for npm run docs:results", false)
  .action(async (options) => {
    const { defaultDemoSize, demo } = await import("./commands/demo.ts");
    process.exitCode = await demo({ ...options, size: options.size ?? defaultDemoSize });
  });

program
  .command("run")
  .description("run a TypeScript or JavaScript script that can import weft and load task modules in workers")
  .argument("<script>", "the script to run")
  .argument("[args...]", "arguments passed to the script (after --)")
  .passThroughOptions()
  .action(async (script, args) => {
    const { runScript } = await import("./commands/run.ts");
    process.exitCode = await runScript(script, args);
  });

program
  .command("bench")
  .description("sequential vs weft at each worker count: speedup, efficiency, Amdahl fit, reports")
  .argument("[workload...]", "workloads to run (default: all; see weft workloads)")
  .option("--workers <list>", "worker counts, comma-separated", workerCounts, defaultWorkerCounts)
  .option("--size <n>", "problem size for one worker (default: each workload's own)", positiveInteger)
  .option("--quick", "small sizes, for a smoke run", false)
  .option(
    "--repeat <n>",
    "timed runs per measurement, after a warm-up; medians are reported",
    positiveInteger,
    3,
  )
  .addOption(backendOption())
  .addOption(
    new Option("--scaling <kind>", "strong: fixed size; weak: size grows with the workers")
      .choices(["strong", "weak"] as const)
      .default("strong"),
  )
  .option("--json <file>", "save every raw measurement as JSON")
  .option("--html <file>", "save a self-contained HTML report with charts")
  .option("--publish", "also save the run as docs/results/scaling.json, for npm run docs:results", false)
  .option(
    "--serial-fraction <f>",
    "synthetic workload: share of the work that cannot run in parallel",
    fraction,
  )
  .option("--item-micros <us>", "synthetic workload: cost of one item in microseconds", positiveNumber)
  .action(async (names, options) => {
    if (options.size !== undefined && options.quick)
      program.error("error: --size and --quick cannot be used together");
    const { bench } = await import("./commands/bench.ts");
    process.exitCode = await bench(names, options);
  });

program
  .command("worker")
  .description("join a cluster: run its chunks on this machine's threads until SIGTERM")
  .option(
    "--redis <url>",
    "the cluster's Redis: redis://[user:password@]host:port, redis+sentinel://[user:password@]host:26379,.../<primary name>[?sentinelPassword=...] or redis+cluster://[user:password@]host:port,... (rediss for TLS); default: $WEFT_REDIS_URL, which keeps the passwords out of the process list",
  )
  .requiredOption("--tasks <module...>", "task modules this worker serves; no other task runs here")
  .option("--concurrency <n>", "chunks at once, one per thread (default: one per core)", positiveInteger)
  .option(
    "--max-heap-mb <mb>",
    "the heap each thread may use; a thread past it is replaced (default: half the machine's memory shared among the threads, 256 to 2048)",
    positiveInteger,
  )
  .option(
    "--max-tasks-per-worker <n>",
    "replace each thread after it has run this many tasks, to contain leaks",
    positiveInteger,
  )
  .option("--prefix <prefix>", "the cluster's key prefix in Redis", "weft")
  .option(
    "--data-root <dir>",
    "the directory every worker and the pool share (a network file system), for file sources, sinks and keyed operations with partitions; paths in messages must lie under it (default: none, no files)",
  )
  .action(async (options) => {
    // Loaded when chosen: the cluster (ioredis) and the service (Fastify, SQLite) are not
    // needed by the other commands, and cost time to import.
    const redis = redisUrl(options.redis, "weft worker");
    const { runWorker } = await loadFeature("cluster", "weft worker", () => import("./commands/worker.ts"));
    await runWorker({ ...options, redis });
  });

program
  .command("serve")
  .description("the HTTP service: submit and watch jobs over HTTP, with a live dashboard")
  .option("--tasks <module...>", "task modules whose tasks jobs may name", [])
  .option(
    "--redis <url>",
    "run jobs on a cluster instead of this machine's threads (default: $WEFT_REDIS_URL, if set)",
  )
  .option("--host <host>", "address to listen on; beyond loopback a token is required", "127.0.0.1")
  .option("--port <port>", "port to listen on (0: any free one)", nonNegativeInteger, defaultServicePort)
  .option("--db <file>", "the job store, SQLite, for one server (without --store)", "weft.db")
  .option(
    "--store <url>",
    "the job store in PostgreSQL, shared by replicas: postgres://user:password@host:5432/database (default: $WEFT_STORE_URL, if set; else SQLite in --db)",
  )
  .option(
    "--lease <seconds>",
    "how long a replica holds a running job without renewing its lease; past it another replica takes the job over",
    positiveNumber,
    15,
  )
  .option(
    "--lease-renewal <seconds>",
    "how often a replica renews its jobs' leases and looks for jobs to take over",
    positiveNumber,
    5,
  )
  .option("--token <token...>", "required from every client; several: one per client (default: $WEFT_TOKEN)")
  .option(
    "--tokens-file <path>",
    "tokens with scopes and quotas, kept as SHA-256 digests (weft token makes one); re-read on SIGHUP",
  )
  .option("--workers <n>", "workers of the shared pool (default: one per core)", positiveInteger)
  .option("--job-timeout <seconds>", "the longest a job may run; past it, it fails", positiveNumber, 600)
  .option(
    "--retain-jobs <n>",
    "finished jobs kept, the newest; older ones are deleted",
    nonNegativeInteger,
    1000,
  )
  .option("--retain-days <days>", "finished jobs older than this are deleted", positiveNumber, 30)
  .option(
    "--trust-proxy <addresses>",
    "trust X-Forwarded-For from these proxies (addresses, CIDRs, comma-separated)",
  )
  .option("--allowed-host <name...>", "host names the service answers to besides the loopback names")
  .option(
    "--drain-timeout <seconds>",
    "on SIGTERM, how long running jobs have to finish before they are stopped (new jobs are refused at once)",
    positiveNumber,
    30,
  )
  .addOption(
    new Option("--log <format>", "log every request as JSON lines, with its request id and job id").choices([
      "json",
    ] as const),
  )
  .action(async (options) => {
    const { serve } = await loadFeature("service", "weft serve", () => import("./commands/serve.ts"));
    const redis = options.redis ?? (process.env.WEFT_REDIS_URL || undefined);
    const store = options.store ?? (process.env.WEFT_STORE_URL || undefined);
    await serve({ ...options, redis, store, token: options.token ?? process.env.WEFT_TOKEN });
  });

serviceCommands(program);

program
  .command("cluster")
  .description("inspect a cluster")
  .command("status")
  .description("workers connected, their threads, chunks in flight, queued, done and failed")
  .option("--redis <url>", "the cluster's Redis (default: $WEFT_REDIS_URL)")
  .option("--prefix <prefix>", "the cluster's key prefix in Redis", "weft")
  .option("--json", "print as JSON", false)
  .action(async (options) => {
    const redis = redisUrl(options.redis, "weft cluster status");
    const { clusterStatus } = await loadFeature(
      "cluster",
      "weft cluster status",
      () => import("./commands/cluster-status.ts"),
    );
    await clusterStatus({ ...options, redis });
  });

program
  .command("token")
  .description(
    "make a token for weft serve --tokens-file: prints the token once, and the file's entry for it",
  )
  .argument("<name>", "who the token is for, as refusals and the job list name it")
  .addOption(
    new Option(
      "--scope <scope>",
      "read: list and watch jobs; submit: also create and cancel them; admin: also others'",
    )
      .choices(["read", "submit", "admin"] as const)
      .default("submit" as const),
  )
  .option(
    "--quota <jobs>",
    "jobs it may have queued or running (default: the server's limit for one client, 8)",
    nonNegativeInteger,
  )
  .action(async (name, options) => {
    const { randomBytes } = await import("node:crypto");
    const { tokenEntry } = await import("../server/http/tokens.ts");
    const token = randomBytes(24).toString("base64url");
    console.log(`token (shown once; give it to ${name}): ${token}`);
    console.log(`its entry for the "tokens" list of the tokens file:`);
    console.log(JSON.stringify(tokenEntry(name, token, options.scope, options.quota)));
  });

program
  .command("pipe")
  .description(
    "records in on standard input, one a line, each run through a task on this machine's workers, one result a line out, in order (Spark's RDD.pipe, Dask's map_partitions)",
  )
  .argument("<module>", "the task module")
  .argument("<task>", "the task's export name")
  .option("--json", "each line is one JSON value, and each result is written as JSON", false)
  .option("--workers <n>", "workers (default: one per core)", positiveInteger)
  .addOption(
    new Option("--errors <policy>", "a failing line: fail (exit 1 naming it) or skip (report it and go on)")
      .choices(["fail", "skip"] as const)
      .default("fail" as const),
  )
  .option(
    "--block <lines>",
    "the most lines a worker takes as one item (the first blocks hold fewer, from one line, doubling)",
    positiveInteger,
    256,
  )
  .action(async (module, task, options) => {
    const { pipe } = await import("./commands/pipe.ts");
    process.exitCode = await pipe({ module, task, ...options });
  });

program
  .command("resume")
  .description(
    "finish a resumable job whose process died, from its ledger on the cluster; prints its result as JSON",
  )
  .argument("<name>", "the job's name, as given to its resumable option")
  .requiredOption("--tasks <module...>", "the task modules the job's tasks come from (those its workers run)")
  .option("--redis <url>", "the cluster's Redis (default: $WEFT_REDIS_URL)")
  .option("--prefix <prefix>", "the cluster's key prefix in Redis", "weft")
  .action(async (name, options) => {
    const redis = redisUrl(options.redis, "weft resume");
    const { resumeCommand } = await loadFeature(
      "cluster",
      "weft resume",
      () => import("./commands/resume.ts"),
    );
    await resumeCommand(name, { ...options, redis });
  });

/** The cluster's Redis URL: `--redis`, else $WEFT_REDIS_URL (out of the process list, where anyone on the machine can read a password). */
function redisUrl(given: string | undefined, command: string): string {
  const url = given ?? process.env.WEFT_REDIS_URL;
  if (url) return url;
  throw new Error(
    `${command} needs the cluster's Redis: set WEFT_REDIS_URL=redis://[user:password@]host:port (or give --redis <url>)`,
  );
}

program
  .command("workloads")
  .description("list the built-in workloads")
  .action(async () => {
    const { listWorkloads } = await import("./commands/workloads.ts");
    listWorkloads();
  });

try {
  await program.parseAsync();
} catch (error) {
  // Errors of the user's making (an unknown workload, a bad size) are told as one line, not a stack.
  const message = error instanceof Error ? error.message : String(error);
  console.error(`weft: ${message}`);
  if (process.env.WEFT_DEBUG && error instanceof Error) console.error(error.stack);
  // Exit now: what failed may have left something running (a task module's timer, a worker being
  // started) that would otherwise keep the process waiting for ever.
  process.exit(1);
}
