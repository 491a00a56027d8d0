// The backends every conformance and property test runs against.
import { after, before } from "node:test";
import type { WeftOptions } from "../../src/index.ts";
import { startCluster, type TestCluster } from "./cluster.ts";

export const localBackends: readonly { name: string; options: WeftOptions }[] = [
  { name: "sequential", options: { backend: "sequential" } },
  { name: "threads", options: { backend: "threads", workers: 2 } },
  { name: "processes", options: { backend: "processes", workers: 2 } },
];

/**
 * The redis backend, on a cluster of two `weft worker` processes that this test file starts before
 * its tests and stops after them. Call at a file's top level; the options are filled in once the
 * cluster is up.
 */
export function clusterBackend(): { name: string; options: WeftOptions } {
  const options: { redis?: string; graceMs?: number } = {};
  let cluster: TestCluster | undefined;
  before(async () => {
    cluster = await startCluster(2);
    options.redis = cluster.redis.url;
  });
  after(() => cluster?.stop());
  return { name: "redis", options };
}
