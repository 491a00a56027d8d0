// `npm run bench:server -- --replicas`: the service on a job store in PostgreSQL (a server of the
// bench's own, on loopback), with one replica and then with two behind the load (requests sent to
// each in turn, as a round-robin balancer would): requests/s and latency of the submit and status
// routes. Then the time from a replica's SIGKILL to its running job running on the other replica,
// and the work a server SIGKILLed mid-job redoes after its restart (bench/server-restart.ts).
// Saves bench/results/server-replicas.json, and with --publish docs/results/server-replicas.json:
// two replicas on one machine share its cores, so the docs say what the figures do not show.
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { Agent } from "node:http";
import { fileURLToPath } from "node:url";
import { publish, publishedMeta, resultsDirectory } from "../src/scaling/publish.ts";
import { startPostgres } from "../test/support/postgres.ts";
import { run, sendRequest, servedUrl, type Sent } from "./server-load.ts";
import type { ReplicasReport, RouteResult } from "./server-report.ts";
import { benchRestarts } from "./server-restart.ts";

export interface ReplicaSettings {
  readonly connections: number;
  readonly requests: number;
  readonly seconds: number;
  readonly warmup: number;
  /** Threads of each replica's pool. */
  readonly workers: number;
  readonly leaseSeconds: number;
  readonly leaseRenewalSeconds: number;
  readonly generator: string;
  readonly command: string;
  readonly quick: boolean;
  /** Also save the results as docs/results/server-replicas.json. */
  readonly publish: boolean;
}

const resultsPath = fileURLToPath(new URL("./results/server-replicas.json", import.meta.url));
const benchScript = fileURLToPath(new URL("./server.ts", import.meta.url));
/** A workload that runs for seconds on one thread: long enough to be running when its replica dies. */
const longJob = { type: "workload", workload: "primes", size: 60_000_000, options: { workers: 1 } };

interface Replica {
  readonly url: string;
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
}

export async function benchReplicas(settings: ReplicaSettings): Promise<void> {
  const log = (line: string) => console.error(line);
  if (settings.publish) resultsDirectory(); // fails now, not after the run, when there is nowhere to publish
  const published = publishedMeta(settings.command, settings.quick);
  await using postgres = await startPostgres();
  const agent = new Agent({ keepAlive: true, maxSockets: settings.connections });
  const started: Replica[] = [];
  const replicas = async (count: number, database: string) => {
    const store = await postgres.createDatabase(database);
    const group = await Promise.all(Array.from({ length: count }, () => startReplica(store, settings)));
    started.push(...group);
    return group;
  };
  try {
    const scaling: { replicas: number; routes: RouteResult[] }[] = [];
    for (const count of [1, 2]) {
      const group = await replicas(count, `bench_${count}`);
      let turn = 0;
      const send = (sent: Sent) => sendRequest(agent, group[turn++ % group.length]!.url, sent);
      const load = (requests: number) => ({
        connections: settings.connections,
        requests,
        deadlineMs: settings.seconds * 1000,
      });
      const submitJob: Sent = {
        method: "POST",
        path: "/api/jobs",
        body: JSON.stringify({ type: "task", task: "tasks.one", input: { items: [1] } }),
      };
      const ids: string[] = [];
      const keepId = (status: number, body: string) => {
        if (status === 202) ids.push((JSON.parse(body) as { job: { id: string } }).job.id);
      };
      await run("warm-up", load(settings.warmup), () => submitJob, send, keepId);
      const submit = await run("POST /api/jobs", load(settings.requests), () => submitJob, send, keepId);
      const statusOf = (i: number): Sent => ({ method: "GET", path: `/api/jobs/${ids[i % ids.length]}` });
      const status = await run("GET /api/jobs/:id", load(settings.requests), statusOf, send);
      for (const route of [submit, status]) {
        log(
          `${count} replica${count > 1 ? "s" : ""}, ${route.route}: ${route.requests} requests, ${route.errors} errors, ` +
            `${route.requestsPerSecond.toFixed(0)} requests/s, p99 ${route.latencyMs.p99.toFixed(1)} ms`,
        );
      }
      scaling.push({ replicas: count, routes: [submit, status] });
      await Promise.all(group.map(stop));
    }

    const [a, b] = await replicas(2, "bench_takeover");
    const takeoverMs = await takeover(agent, a!, b!);
    // The job taken over runs for a while yet: stopped, so that it takes no core from what follows.
    await Promise.all([a!, b!].map(stop));
    log(
      `takeover: the job of a SIGKILLed replica ran again on the other ${(takeoverMs / 1000).toFixed(2)} s after the kill ` +
        `(lease ${settings.leaseSeconds} s, renewed every ${settings.leaseRenewalSeconds} s)`,
    );
    const restarts = await benchRestarts(log);
    const report: ReplicasReport = {
      meta: {
        ...published,
        generator: settings.generator,
        connections: settings.connections,
        requestsPerRoute: settings.requests,
        secondsCapPerRoute: settings.seconds,
        warmupRequests: settings.warmup,
        workersPerReplica: settings.workers,
        store: "PostgreSQL on loopback",
        leaseSeconds: settings.leaseSeconds,
        leaseRenewalSeconds: settings.leaseRenewalSeconds,
      },
      scaling,
      takeoverMs,
      restarts,
    };
    writeFileSync(resultsPath, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`saved ${resultsPath}`);
    // A route timed answering errors measures the errors, not the route: such a run is not published.
    const failing = scaling.flatMap(({ replicas, routes }) =>
      routes
        .filter((r) => r.errors > 0)
        .map((r) => `${r.route} on ${replicas} answered ${JSON.stringify(r.statuses)}`),
    );
    if (failing.length > 0) {
      throw new Error(
        `${failing.join("; ")}: the run timed those answers, not the routes' work, so nothing is published`,
      );
    }
    if (settings.publish) {
      log(`published ${publish("server-replicas.json", report)}; now run npm run docs:results`);
    }
  } finally {
    agent.destroy();
    await Promise.all(started.map(stop));
  }
}

/**
 * Submits a long job to `a`, SIGKILLs `a` once the job has run a while, and resolves with the ms from
 * the kill to the job running again on `b` (taken over once its lease lapsed).
 */
async function takeover(agent: Agent, a: Replica, b: Replica): Promise<number> {
  const submitted = await sendRequest(agent, a.url, {
    method: "POST",
    path: "/api/jobs",
    body: JSON.stringify(longJob),
  });
  const { id } = (JSON.parse(submitted.body) as { job: { id: string } }).job;
  const jobOn = async (replica: Replica) => {
    const { body } = await sendRequest(agent, replica.url, { method: "GET", path: `/api/jobs/${id}` });
    return (JSON.parse(body) as { job: { state: string; startedAt?: string; progress: { done: number } } })
      .job;
  };
  for (let job = await jobOn(b); job.state !== "running" || job.progress.done === 0; job = await jobOn(b)) {
    if (job.state !== "queued" && job.state !== "running") throw new Error(`the job is ${job.state}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const killedAt = Date.now();
  const killed = performance.now();
  a.child.kill("SIGKILL");
  await a.exited;
  for (;;) {
    const job = await jobOn(b);
    if (job.state === "running" && Date.parse(job.startedAt!) >= killedAt) return performance.now() - killed;
    if (job.state !== "queued" && job.state !== "running") throw new Error(`the job is ${job.state}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A replica: this bench's server process on the store at `store`; resolves once it tells its URL. */
async function startReplica(store: string, settings: ReplicaSettings): Promise<Replica> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      benchScript,
      "--serve",
      "",
      "--store",
      store,
      "--workers",
      String(settings.workers),
      "--lease",
      String(settings.leaseSeconds),
      "--lease-renewal",
      String(settings.leaseRenewalSeconds),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const url = await servedUrl(child, "a replica");
  return { url, child, exited };
}

async function stop(replica: Replica): Promise<void> {
  if (replica.child.exitCode === null && replica.child.signalCode === null) replica.child.kill("SIGTERM");
  await replica.exited;
}
