// `weft/cluster`: a cluster worker, for programs that run one themselves (the `weft worker` command uses the same).
export { ClusterWorker, type ClusterWorkerOptions } from "./cluster-worker.ts";
export type { RedisOptions } from "./connection.ts";
