// The probes a load balancer and Kubernetes ask, cheap and without a token: /healthz, the process
// answers; /readyz, it can take jobs now (its store answers, it is not stopping, and there are
// workers: on a cluster, a `weft worker` whose heartbeat Redis holds).
import type { FastifyInstance } from "fastify";
import type { ClusterMonitor } from "../../../backends/redis/cluster-status.ts";
import type { JobService } from "../../jobs/job-service.ts";

/** How long the cluster's answer may take before the service counts Redis as not answering. */
const redisCheckMs = 1000;

export function healthRoutes(app: FastifyInstance, service: JobService, cluster?: ClusterMonitor): void {
  app.get("/healthz", { schema: { hide: true } }, () => ({ status: "ok" }));
  app.get("/readyz", { schema: { hide: true } }, async (_request, reply) => {
    const problems: string[] = [];
    if (!service.accepting) problems.push("the service is stopping");
    if (!(await service.storeAnswers())) problems.push("the job store does not answer");
    if (cluster && !cluster.connected) {
      problems.push(
        `the connection to the cluster's Redis is down (${cluster.client.status}): it restarts or fails over`,
      );
    } else if (cluster) {
      const workers = await workersOnCluster(cluster);
      if (workers === undefined)
        problems.push(`the cluster's Redis does not answer within ${redisCheckMs} ms`);
      else if (workers === 0) problems.push("no weft worker is connected to the cluster");
    } else if (service.pool.workers === 0) problems.push("the pool has no workers");
    if (problems.length > 0) return reply.code(503).send({ status: "not ready", problems });
    return { status: "ready" };
  });
}

/** The workers connected to the cluster, or undefined if Redis does not answer in time. */
async function workersOnCluster(cluster: ClusterMonitor): Promise<number | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>(
    (resolve) => (timer = setTimeout(() => resolve(undefined), redisCheckMs)),
  );
  try {
    const status = await Promise.race([cluster.read(), late]);
    return status?.workers.length;
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
