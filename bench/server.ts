// `npm run bench:server`: the HTTP service under load over loopback. A fixed number of concurrent
// clients, each sending its next request as soon as the last one answered (a closed loop over
// keep-alive connections), on the submit route (POST /api/jobs, a one-item task job) and the status
// route (GET /api/jobs/:id). The server runs in a process of its own, so the load generator does
// not share its event loop. Prints requests/s and latency percentiles per route, and saves them
// to bench/results/server.json (and with --publish to docs/results/server.json, for npm run docs:results).
// With --replicas, the same routes on one replica and on two sharing a job store in PostgreSQL, the
// time from a replica's death to its jobs running on the other, and the work a server killed mid-job
// redoes after a restart (bench/server-replicas.ts, published as docs/results/server-replicas.json).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Agent } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startServer } from "../src/server/server.ts";
import { commandLine, publish, publishedMeta, resultsDirectory } from "../src/scaling/publish.ts";
import { run, sendRequest, servedUrl, type Load, type Sent } from "./server-load.ts";
import { benchReplicas } from "./server-replicas.ts";
import type { RouteResult, ServerReport } from "./server-report.ts";

const { values: args } = parseArgs({
  options: {
    connections: { type: "string", default: "32" },
    requests: { type: "string", default: "10000" },
    seconds: { type: "string", default: "15" },
    warmup: { type: "string", default: "300" },
    workers: { type: "string", default: "2" },
    db: { type: "string", default: "file" },
    // Fewer requests (1,000 per route, 100 to warm up): a smoke run.
    quick: { type: "boolean", default: false },
    // Also save the results as docs/results/server.json (with --replicas, server-replicas.json), for
    // npm run docs:results.
    publish: { type: "boolean", default: false },
    // Instead: one replica, then two, on a job store in PostgreSQL (a server of the bench's own), the
    // time from a replica's death to its jobs running on the other, and the work redone after a
    // restart (bench/server-replicas.ts).
    replicas: { type: "boolean", default: false },
    // With --replicas: the replicas' lease and its renewal, in seconds (weft serve's defaults).
    lease: { type: "string", default: "15" },
    "lease-renewal": { type: "string", default: "5" },
    // Internal: run as the server process, on this SQLite file (or "" with --store).
    serve: { type: "string" },
    store: { type: "string" },
  },
});

const taskModule = fileURLToPath(new URL("../src/workloads/tasks.ts", import.meta.url));
const resultsPath = fileURLToPath(new URL("./results/server.json", import.meta.url));
const generator =
  "closed-loop load generator on node:http keep-alive connections (autocannon is not installed)";

function whole(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${text}`);
  return n;
}

if (args.serve !== undefined) await serveUntilStopped(args.serve, whole("workers", args.workers));
else if (args.replicas) await benchReplicas(replicaSettings());
else await main();

function replicaSettings() {
  const seconds = (name: "lease" | "lease-renewal") => {
    const n = Number(args[name]);
    if (!(n > 0)) throw new Error(`--${name} must be a number of seconds > 0, got ${args[name]}`);
    return n;
  };
  return {
    connections: whole("connections", args.connections),
    requests: args.quick ? 1000 : whole("requests", args.requests),
    seconds: whole("seconds", args.seconds),
    warmup: args.quick ? 100 : whole("warmup", args.warmup),
    workers: whole("workers", args.workers),
    leaseSeconds: seconds("lease"),
    leaseRenewalSeconds: seconds("lease-renewal"),
    generator,
    command: commandLine("npm run bench:server", process.argv.slice(2)),
    quick: args.quick,
    publish: args.publish,
  };
}

/** The server process: starts, tells its URL on stdout as JSON, and closes on SIGTERM. */
async function serveUntilStopped(db: string, workers: number): Promise<void> {
  const server = await startServer({
    tasks: [taskModule],
    port: 0,
    ...(args.store ? { store: args.store } : { db }),
    leaseMs: Number(args.lease) * 1000,
    leaseRenewalMs: Number(args["lease-renewal"]) * 1000,
    workers,
    // Every client is 127.0.0.1: no per-client limit in the way of the load.
    maxPerClient: 1_000_000_000,
    // The status route asks for every job submitted; the default retention (1,000 jobs) pruned most
    // of them, and the route was timed answering 404.
    retainJobs: 1_000_000,
  });
  console.log(JSON.stringify({ url: server.url }));
  await new Promise<void>((resolve) => process.once("SIGTERM", () => resolve()));
  await server.close();
}

async function main(): Promise<void> {
  const connections = whole("connections", args.connections);
  const requests = args.quick ? 1000 : whole("requests", args.requests);
  const seconds = whole("seconds", args.seconds);
  const warmup = args.quick ? 100 : whole("warmup", args.warmup);
  const workers = whole("workers", args.workers);
  const log = (line: string) => console.error(line);
  if (args.publish) resultsDirectory(); // fails now, not after the run, when there is nowhere to publish
  const published = publishedMeta(commandLine("npm run bench:server", process.argv.slice(2)), args.quick);

  const scratch = mkdtempSync(join(tmpdir(), "weft-server-bench-"));
  const db = args.db === "memory" ? ":memory:" : join(scratch, "weft.db");
  const child = spawn(
    process.execPath,
    ["--import", "tsx", fileURLToPath(import.meta.url), "--serve", db, "--workers", String(workers)],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  try {
    const url = await servedUrl(child, "the server process");
    log(`weft server bench: ${url}, ${connections} connections, ${generator}`);
    const send = (sent: Sent) => sendRequest(agent, url, sent);
    const submitJob: Sent = {
      method: "POST",
      path: "/api/jobs",
      body: JSON.stringify({ type: "task", task: "tasks.one", input: { items: [1] } }),
    };
    const load = (n: number): Load => ({ connections, requests: n, deadlineMs: seconds * 1000 });

    // Submit: warm-up, then measured. Every job's id is kept for the status route.
    const ids: string[] = [];
    const keepId = (status: number, body: string) => {
      if (status === 202) ids.push((JSON.parse(body) as { job: { id: string } }).job.id);
    };
    const firstSubmit = performance.now();
    await run("warm-up", load(warmup), () => submitJob, send, keepId);
    const submit = await run("POST /api/jobs", load(requests), () => submitJob, send, keepId);
    log(`submit: ${summary(submit)}`);

    // The jobs run a few at a time; let the queue drain so the next route is measured alone.
    const drain = await drained(send, firstSubmit, ids.length, seconds * 4);
    log(
      `drain: ${ids.length} jobs done ${(drain.afterLastSubmitMs / 1000).toFixed(1)} s after the last submit ` +
        `(${drain.jobsPerSecond.toFixed(0)} jobs/s from the first submit)`,
    );

    const statusOf = (i: number): Sent => ({ method: "GET", path: `/api/jobs/${ids[i % ids.length]}` });
    await run("warm-up", load(warmup), statusOf, send);
    const status = await run("GET /api/jobs/:id", load(requests), statusOf, send);
    log(`status: ${summary(status)}`);

    const report: ServerReport = {
      meta: {
        ...published,
        generator,
        connections,
        requestsPerRoute: requests,
        secondsCapPerRoute: seconds,
        warmupRequests: warmup,
        serverWorkers: workers,
        db: args.db === "memory" ? ":memory:" : "a file (SQLite, WAL)",
      },
      routes: [submit, status],
      drain,
    };
    writeFileSync(resultsPath, `${JSON.stringify(report, null, 2)}\n`);
    console.log(table(report.routes, report.meta));
    console.log(`saved ${resultsPath}`);
    // A route timed answering errors measures the errors, not the route: such a run is not published.
    const failing = report.routes.filter((r) => r.errors > 0);
    if (failing.length > 0) {
      throw new Error(
        `${failing.map((r) => `${r.route} answered ${JSON.stringify(r.statuses)}`).join("; ")}: ` +
          "the run timed those answers, not the routes' work, so nothing is published",
      );
    }
    if (args.publish) log(`published ${publish("server.json", report)}; now run npm run docs:results`);
  } finally {
    agent.destroy();
    child.kill("SIGTERM");
    await new Promise((resolve) =>
      child.exitCode !== null ? resolve(undefined) : child.once("exit", resolve),
    );
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Waits (polling every 100 ms) until no job is queued or running; how long it took from the first submit. */
async function drained(
  send: (sent: Sent) => Promise<{ status: number; body: string }>,
  firstSubmit: number,
  jobs: number,
  capSeconds: number,
) {
  const lastSubmit = performance.now();
  const count = async (state: string) => {
    const { body } = await send({ method: "GET", path: `/api/jobs?state=${state}&limit=1` });
    return (JSON.parse(body) as { jobs: unknown[] }).jobs.length;
  };
  while ((await count("queued")) + (await count("running")) > 0) {
    if (performance.now() - lastSubmit > capSeconds * 1000) {
      throw new Error(`the jobs did not drain within ${capSeconds} s; try fewer --requests`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const done = performance.now();
  return {
    jobs,
    afterLastSubmitMs: done - lastSubmit,
    jobsPerSecond: jobs / ((done - firstSubmit) / 1000),
  };
}

function summary(r: RouteResult): string {
  return `${r.requests} requests, ${r.errors} errors, ${r.requestsPerSecond.toFixed(0)} requests/s, p99 ${r.latencyMs.p99.toFixed(1)} ms`;
}

function table(
  routes: readonly RouteResult[],
  meta: { connections: number; cores: number; node: string },
): string {
  const header = ["route", "requests", "errors", "requests/s", "p50 ms", "p90 ms", "p99 ms", "max ms"];
  const rows = routes.map((r) => [
    r.route,
    String(r.requests),
    String(r.errors),
    r.requestsPerSecond.toFixed(0),
    r.latencyMs.p50.toFixed(2),
    r.latencyMs.p90.toFixed(2),
    r.latencyMs.p99.toFixed(2),
    r.latencyMs.max.toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
  return [
    `weft server bench: ${meta.connections} concurrent connections over loopback, ${meta.cores} cores, node ${meta.node}`,
    `(${generator})`,
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
  ].join("\n");
}
