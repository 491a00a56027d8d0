// Starts the backend a pool's options choose. Each backend's modules load when it is chosen: a pool of
// threads loads nothing of the processes or cluster backends, and BullMQ and ioredis are installed only
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
    semiSpaceMb: semiSpaceFor(resolved.memoryBudget),
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
    case "redis": {
      const { RedisBackend } = await importClusterBackend();
      return () =>
        RedisBackend.start({ redis: resolved.redis!, slots: resolved.workers, dataRoot: resolved.dataRoot });
    }
  }
}

/**
 * A worker's young generation, sized from its memory budget. V8 sizes it for the main thread's
 * throughput (two semi-spaces of up to 64 MB each, without pointer compression), and a worker that
 * reads a file allocates and drops that much between collections on top of what it keeps: with a
 * budget of 128 MB, a word count's worker grew by 180 MB, its records by a few. A sixteenth of the
 * budget per semi-space keeps the two within it; the word count's worker also ran no slower here.
 */
function semiSpaceFor(budget: number): number {
  return Math.min(64, Math.max(2, Math.floor(budget / 16 / 2 ** 20)));
}

async function importClusterBackend() {
  try {
    return await import("../backends/redis/redis-backend.ts");
  } catch (error) {
    const missing = missingPackageError("cluster", "the redis backend", error);
    throw missing ? new OptionError(missing.message, { cause: error }) : error;
  }
}
