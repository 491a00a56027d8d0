// `weft worker`: joins a cluster and runs its chunks on this machine's threads until SIGTERM or Ctrl-C.
import { ClusterWorker } from "../../backends/redis/cluster-worker.ts";
import { installScriptHooksEverywhere } from "../../task/script-loading.ts";

export interface WorkerOptions {
  readonly redis: string;
  readonly tasks: string[];
  readonly concurrency?: number;
  readonly maxHeapMb?: number;
  readonly maxTasksPerWorker?: number;
  readonly prefix: string;
  readonly dataRoot?: string;
}

/** Resolves when the worker has shut down; its running chunks finish first. */
export async function runWorker(options: WorkerOptions): Promise<void> {
  // Task modules import "weft", as with `weft run`, whether or not their folder has it installed.
  installScriptHooksEverywhere();
  const worker = await ClusterWorker.start({
    redis: { url: options.redis, prefix: options.prefix },
    tasks: options.tasks,
    concurrency: options.concurrency,
    maxHeapMb: options.maxHeapMb,
    maxTasksPerWorker: options.maxTasksPerWorker,
    ...(options.dataRoot !== undefined && { dataRoot: options.dataRoot }),
  });
  console.log(`weft worker ${worker.id}`);
  console.log(`  connected to ${worker.where}, prefix "${options.prefix}"`);
  console.log(`  ${worker.concurrency} threads of at most ${worker.maxHeapMb} MB heap each`);
  console.log(`  serving ${worker.tasks.join(", ")}`);
  console.log(`  data root ${options.dataRoot ?? "none: no file sources, sinks or shuffles"}`);
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      console.log(`${signal}: finishing the running chunks, then stopping`);
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
      resolve();
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  });
  await worker.close();
  console.log("stopped");
  // Everything weft owns is closed, within bounds while Redis is down; whatever a library still holds
  // then must not keep the process up.
  process.exit(0);
}
