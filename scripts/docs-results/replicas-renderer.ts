// The regions that quote `npm run bench:server -- --replicas` (docs/results/server-replicas.json):
// the service on one replica and on two sharing PostgreSQL, the takeover of a dead replica's job,
// and the work a server SIGKILLed mid-job redoes after its restart.
import type { RestartFigures } from "../../bench/server-report.ts";
import { RenderError, storedPath, type RenderContext } from "./context.ts";
import { about, count, seconds, table } from "./markdown.ts";

export function replicasAbout(context: RenderContext): string {
  const { meta } = context.stored.get("replicas");
  const details =
    `${meta.connections} keep-alive connections over loopback sent to the replicas in turn, ` +
    `up to ${count(meta.requestsPerRoute)} requests per route within ${meta.secondsCapPerRoute} s, the job store in ${meta.store}, ` +
    `${meta.workersPerReplica} worker threads per replica, all on the one machine`;
  return about(context.doc, storedPath("replicas"), meta, details);
}

/** Requests/s and p99 of each route on one replica and on two. */
export function replicasTable(context: RenderContext): string {
  const { scaling } = context.stored.get("replicas");
  const routes = scaling[0]?.routes.map((r) => r.route) ?? [];
  const cell = (
    replicas: number,
    route: string,
    value: (r: (typeof scaling)[number]["routes"][number]) => string,
  ) => {
    const found = scaling.find((s) => s.replicas === replicas)?.routes.find((r) => r.route === route);
    if (!found) throw new RenderError(`${storedPath("replicas")} has no ${route} on ${replicas} replicas`);
    return value(found);
  };
  const rows = routes.flatMap((route) =>
    [1, 2].map((replicas) => [
      `\`${route}\``,
      String(replicas),
      cell(replicas, route, (r) => count(r.requests)),
      cell(replicas, route, (r) => count(r.errors)),
      cell(replicas, route, (r) => count(Math.round(r.requestsPerSecond))),
      cell(replicas, route, (r) => r.latencyMs.p99.toFixed(1)),
    ]),
  );
  return table(["route", "replicas", "requests", "errors", "requests/s", "p99 ms"], rows);
}

/** The takeover after a replica's death, and the work redone after each restart. */
export function replicasRecovery(context: RenderContext): string {
  const { takeoverMs, restarts, meta } = context.stored.get("replicas");
  return table(
    ["measure", "result"],
    [
      [
        "a replica SIGKILLed with a job running: the job running again on the other replica",
        `**${seconds(takeoverMs, 1)}** after the kill (lease ${meta.leaseSeconds} s, renewed every ${meta.leaseRenewalSeconds} s)`,
      ],
      ...restarts.map((restart) => [restartMeasure(restart), restartResult(restart)]),
    ],
  );
}

function restartMeasure(restart: RestartFigures): string {
  const where =
    restart.backend === "threads"
      ? `on ${restart.threads} threads`
      : `on a cluster of ${restart.threads} \`weft worker\`s of one thread`;
  const when =
    restart.kills === 1
      ? "with a task job and a workload job part done"
      : "with the task job part done, and again with the workload part done";
  return `\`weft serve\` ${where}, ledgers in ${restart.ledgers}, SIGKILLed ${when}: the work its restart redid`;
}

function restartResult({ task, workload }: RestartFigures): string {
  const share = (part: number, whole: number) => `${((100 * part) / whole).toFixed(2)}%`;
  const chunks = task.redoneChunks === 1 ? "the chunk" : `the ${task.redoneChunks} chunks`;
  return (
    `**${count(task.redone)}** of the task job's ${count(task.items)} items (${share(task.redone, task.items)}): ` +
    `${chunks} in flight at the kill; the ledgers held ${share(task.heldAtKill, task.items)} of the task job ` +
    `and ${share(workload.heldAtKill, workload.items)} of the workload`
  );
}
