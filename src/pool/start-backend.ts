// Starts the backend a pool's options choose. Each backend's modules load when it is chosen: a pool of
// threads loads nothing of the processes or cluster backends, and ioredis is installed only
// on request.
import { availableParallelism } from "node:os";
import type { Backend } from "../backends/backend.ts";
import { OptionError } from "../errors.ts";
import { missingPackageError } from "../optional-packages.ts";
import type { ResolvedOptions } from "./options.ts";

/**
 * Loads the chosen backend's modules and returns the function that starts it. Starting is a step of
 * its own so the caller can start the workers before it loads anything else: they boot on the other
 * cores while this thread loads the rest.
 */
export async function loadBackend(resolved: ResolvedOptions): Promise<() => Promise<Backend>> {
  const limits = {
    maxHeapMb: resolved.maxWorkerHeapMb,
    maxTasksPerWorker: resolved.maxTasksPerWorker,
    semiSpaceMb: resolved.workerSemiSpaceMb,
  };
  const workers = resolved.workers ?? availableParallelism();
  switch (resolved.backend) {
    case "threads": {
      const { startThreadsBackend } = await import("../backends/threads/threads-backend.ts");
      return () => startThreadsBackend(workers, limits);
    }
    case "sequential": {
      const { SequentialBackend } = await import("../backends/sequential/sequential-backend.ts");
      return () => Promise.resolve(new SequentialBackend());
    }
    case "processes": {
      const { startProcessesBackend } = await import("../backends/processes/processes-backend.ts");
      return () => startProcessesBackend(workers, limits);
    }
    case "web-workers": {
      const { startWebWorkersBackend } = await import("../backends/web/web-workers-backend.ts");
      return () => startWebWorkersBackend(workers, limits.maxTasksPerWorker);
    }
    case "redis": {
      const { RedisBackend } = await importClusterBackend();
      return () =>
        RedisBackend.start({ redis: resolved.redis!, slots: resolved.workers, dataRoot: resolved.dataRoot });
    }
  }
}

async function importClusterBackend() {
  try {
    return await import("../backends/redis/redis-backend.ts");
  } catch (error) {
    const missing = missingPackageError("cluster", "the redis backend", error);
    throw missing ? new OptionError(missing.message, { cause: error }) : error;
  }
}
