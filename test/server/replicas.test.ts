// Two replicas of `weft serve` on one PostgreSQL and one Redis, with `weft worker`s, under the load
// test's clients (each submits its jobs, then polls each to its end), and one replica SIGKILLed
// mid-run. Its jobs are taken over by the other when their leases lapse and go on from their ledgers:
// every accepted job completes, once, with the sequential answer, and the only requests that fail are
// the ones in flight on the dead replica when it died.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  createClient,
  ServiceUnreachableError,
  type JobView,
  type WeftClient,
} from "../../src/client/index.ts";
import type { JobDefinition } from "../../src/server/api/types.ts";
import { exited, pollUntil, slowModule, weftBin } from "../cluster/helpers.ts";
import { startCluster } from "../support/cluster.ts";
import { checkLeaks } from "../support/leaks.ts";
import { startPostgres } from "../support/postgres.ts";

checkLeaks();

const clients = 8;
const jobsPerClient = 3;
/** About 1 ms an item (slowSquare): a job lasts long enough to be cut by the kill. */
const itemsPerJob = 300;
/** Short, so that the dead replica's jobs are taken over within the test: 2 s, renewed every 0.5 s. */
const leaseSeconds = 2;
const renewalSeconds = 0.5;
const finished = new Set(["completed", "failed", "cancelled", "interrupted"]);
const builtInTasks = fileURLToPath(new URL("../../src/workloads/tasks.ts", import.meta.url));

interface Replica {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves once the process has exited and its output pipes are closed. */
  readonly closed: Promise<void>;
  readonly url: string;
  output(): string;
}

/** One token per client: each has the service's quota of jobs to itself. */
const tokens = Array.from({ length: clients }, (_, c) => `client-${c}-token`);

async function startReplica(name: string, store: string, redis: string): Promise<Replica> {
  const child = spawn(
    process.execPath,
    [
      weftBin,
      "serve",
      "--port",
      "0",
      "--store",
      store,
      "--redis",
      redis,
      "--lease",
      String(leaseSeconds),
      "--lease-renewal",
      String(renewalSeconds),
      "--token",
      ...tokens,
      "--tasks",
      slowModule,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout.on("data", (data: Buffer) => (output += data.toString()));
  child.stderr.on("data", (data: Buffer) => (output += data.toString()));
  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  try {
    const url = await pollUntil(
      () => Promise.resolve(/API at (http:\/\/\S+)/.exec(output)?.[1]),
      30_000,
      `replica ${name} starting`,
    );
    return { name, child, closed, url, output: () => output };
  } catch (error) {
    child.kill("SIGKILL");
    await closed;
    throw new Error(`${(error as Error).message}; it printed:\n${output}`, { cause: error });
  }
}

/** Client c's job j: the squares of its own range of items, summed (a job that resumes from its ledger). */
function jobOf(c: number, j: number): JobDefinition {
  const from = (c * jobsPerClient + j) * itemsPerJob;
  return {
    type: "task",
    task: "slow-tasks.slowSquare",
    reduce: "sum",
    input: { range: { from, to: from + itemsPerJob } },
  };
}

function sumOfSquares(from: number, to: number): number {
  let sum = 0;
  for (let n = from; n < to; n++) sum += n * n;
  return sum;
}

interface Sent {
  readonly replica: string;
  readonly startedAt: number;
  readonly what: string;
  readonly error: unknown;
}

test(
  "two replicas on one PostgreSQL and one Redis, one SIGKILLed under load: every accepted job completes once with the sequential answer, and only the requests in flight on the dead one fail",
  { timeout: 120_000 },
  async (t) => {
    await using postgres = await startPostgres();
    const store = await postgres.createDatabase("weft");
    // The workers serve the slow tasks, and weft's own (a job that sums reduces with tasks.add).
    await using cluster = await startCluster(2, { modules: [slowModule, builtInTasks] });
    const replicas: Replica[] = [];
    try {
      replicas.push(
        ...(await Promise.all([
          startReplica("a", store, cluster.redis.authUrl),
          startReplica("b", store, cluster.redis.authUrl),
        ])),
      );
      const [a, b] = replicas as [Replica, Replica];
      const clientsOf = new Map(
        replicas.map((replica) => [
          replica,
          tokens.map((token) => createClient({ url: replica.url, token })),
        ]),
      );
      const observer = clientsOf.get(b)![0]!;

      // A load balancer's view: which replicas are alive. Each client starts on one of its own, and a
      // request sent once its replica is known dead goes to the other, as the balancer would send it.
      let killedAt: number | undefined = undefined;
      const failures: Sent[] = [];
      const replicaFor = (c: number) => (c % 2 === 0 && killedAt === undefined ? a : b);
      const send = async <T>(
        c: number,
        what: string,
        call: (client: WeftClient) => Promise<T>,
      ): Promise<T> => {
        for (;;) {
          const replica = replicaFor(c);
          const startedAt = performance.now();
          try {
            return await call(clientsOf.get(replica)![c]!);
          } catch (error) {
            if (!(error instanceof ServiceUnreachableError)) throw error;
            failures.push({ replica: replica.name, startedAt, what, error });
            // In flight on the dead replica: the client tries again, on the one left.
          }
        }
      };

      const accepted: { id: string; c: number; j: number }[] = [];
      const client = async (c: number) => {
        const ids: { id: string; j: number }[] = [];
        for (let j = 0; j < jobsPerClient; j++) {
          const job = await send(c, `submit ${c}.${j}`, (service) => service.submit(jobOf(c, j)));
          ids.push({ id: job.id, j });
          accepted.push({ id: job.id, c, j });
        }
        const ends: JobView[] = [];
        for (const { id } of ids) {
          let job = await send(c, `status ${id}`, (service) => service.job(id));
          for (let polls = 0; !finished.has(job.state); polls++) {
            assert.ok(polls < 2000, `job ${id} still ${job.state} after 2000 polls`);
            await new Promise((resolve) => setTimeout(resolve, 50));
            job = await send(c, `status ${id}`, (service) => service.job(id));
          }
          ends.push(job);
        }
        return ends;
      };

      // A job submitted to one replica is followed to its end through the other's event stream.
      const followed = await clientsOf.get(a)![0]!.submit(jobOf(clients, 0));
      const ended = await observer.waitFor(followed.id, { signal: AbortSignal.timeout(60_000) });
      assert.equal(ended.state, "completed", `the job followed through the other replica: ${ended.error}`);

      const load = Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
      // The kill, once jobs run with part of their items done: each replica runs two at a time.
      await pollUntil(
        async () => {
          const jobs = await observer.jobs({ limit: 100 });
          const failed = jobs.find((job) => job.state === "failed");
          if (failed) throw new Error(`job ${failed.label} failed before the kill: ${failed.error}`);
          const partDone = jobs.filter((job) => job.state === "running" && job.progress.done > 0);
          return partDone.length >= 3 || undefined;
        },
        60_000,
        "jobs running with part of their items done",
      ).catch(async (error: unknown) => {
        const jobs = await observer.jobs({ limit: 100 });
        throw new Error(
          `${(error as Error).message}; jobs: ${JSON.stringify(jobs.slice(0, 3).map((job) => [job.state, job.progress, job.error]))}\n` +
            replicas.map((replica) => `replica ${replica.name}:\n${replica.output()}`).join("\n"),
          { cause: error },
        );
      });
      killedAt = performance.now();
      let tookOverAt: number | undefined;
      const onOutput = () => {
        if (tookOverAt === undefined && /took over \d+ jobs/.test(b.output())) tookOverAt = performance.now();
      };
      b.child.stdout!.on("data", onOutput);
      a.child.kill("SIGKILL");
      assert.equal((await exited(a.child)).signal, "SIGKILL");
      const ends = (await load).flat();
      b.child.stdout!.off("data", onOutput);
      const lastEndMs = performance.now() - killedAt;
      const takeOver =
        tookOverAt === undefined
          ? "no job was left on it to take over"
          : `its jobs were taken over ${((tookOverAt - killedAt) / 1000).toFixed(1)} s after the kill`;

      // Only requests in flight on the dead replica failed: sent to a before the kill.
      for (const failure of failures) {
        assert.equal(failure.replica, "a", `${failure.what} failed on replica ${failure.replica}`);
        assert.ok(failure.startedAt <= killedAt, `${failure.what} was sent to a after its death`);
      }
      // Every accepted job completed with its sequential answer (a chunk counted twice would change it).
      assert.equal(accepted.length, clients * jobsPerClient);
      for (const job of ends) assert.equal(job.state, "completed", `${job.label}: ${job.error}`);
      for (const { id, c, j } of accepted) {
        const { input } = jobOf(c, j) as { input: { range: { from: number; to: number } } };
        const job = ends.find((end) => end.id === id)!;
        assert.deepEqual(job.summary, { value: sumOfSquares(input.range.from, input.range.to) }, id);
      }
      // The store holds each job once, and nothing else: a submit in flight at the kill that was
      // recorded before the reply was lost ran to its end too.
      const stored = await observer.jobs({ limit: 500 });
      const ids = [followed.id, ...accepted.map((job) => job.id)];
      assert.equal(new Set(stored.map((job) => job.id)).size, stored.length);
      for (const id of ids)
        assert.ok(
          stored.some((job) => job.id === id),
          `job ${id} is stored`,
        );
      for (const job of stored) assert.equal(job.state, "completed", `${job.id} is ${job.state}`);
      assert.ok(
        stored.length <= ids.length + failures.filter((f) => f.what.startsWith("submit")).length,
        "no job was stored twice",
      );
      t.diagnostic(
        `${accepted.length} jobs on 2 replicas; ${failures.length} requests failed in flight on the dead one; ` +
          `${takeOver} (lease ${leaseSeconds} s, renewed every ${renewalSeconds} s); the last job ended ${(lastEndMs / 1000).toFixed(1)} s after it`,
      );
    } finally {
      // Here, not in t.after: the leak check runs after each test, before t.after's hooks.
      for (const replica of replicas) {
        if (replica.child.exitCode === null && replica.child.signalCode === null)
          replica.child.kill("SIGKILL");
        await replica.closed;
      }
    }
  },
);
