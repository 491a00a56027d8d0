// weft(), the one way to start a pool. The pool's implementation is loaded by the first call, not
// by `import "weft"`: every worker imports "weft" again through its task modules, for task() alone,
// and should not pay for the whole engine.
import { PoolInWorkerError } from "../errors.ts";
import { isWorker, stopLoadingModule } from "../task/worker-scope.ts";
import type { LedgerStore } from "../protocol/ledger.ts";
import type { WeftOptions } from "./options.ts";
import type { Pool } from "./pool.ts";

/**
 * Starts a pool. By default: the threads backend with one worker per core.
 *
 * @example
 * const pool = await weft();
 * try {
 *   const total = await pool.range(0, 1e6).map(square).reduce(add);
 * } finally {
 *   await pool.close();
 * }
 */
export async function weft(options?: WeftOptions): Promise<Pool> {
  if (isWorker()) {
    // A worker loading the script that defines tasks and starts this pool: the script stops here, in
    // this worker only, and never goes on (nor into its error handlers). Checked before the first
    // await, while the caller is still on the stack.
    if (stopLoadingModule(new Error().stack ?? "")) return new Promise<never>(() => {});
    throw new PoolInWorkerError();
  }
  return start(options, undefined);
}

/**
 * @internal weft() for a program that keeps resumable jobs' ledgers itself (`weft serve`, in its job
 * store), used where the backend keeps none (threads, processes, sequential); a cluster's own, in
 * Redis, come first.
 */
export async function weftWithLedgers(options: WeftOptions | undefined, ledgers: LedgerStore): Promise<Pool> {
  if (isWorker()) throw new PoolInWorkerError();
  return start(options, ledgers);
}

async function start(options: WeftOptions | undefined, ledgers: LedgerStore | undefined): Promise<Pool> {
  const [{ resolveOptions }, { loadBackend }] = await Promise.all([
    import("./options.ts"),
    import("./start-backend.ts"),
  ]);
  const resolved = resolveOptions(options);
  // The backend's modules load alone and its workers start before the pool's own modules load: those
  // would otherwise be read and parsed in between, delaying the workers' start by as long.
  const backend = (await loadBackend(resolved))();
  const { telemetry } = resolved;
  const [started, { Pool }, loaded] = await Promise.all([
    backend,
    import("./pool.ts"),
    telemetry && import("./telemetry.ts").then(({ loadTelemetry }) => loadTelemetry(telemetry)),
  ]).catch(async (error: unknown) => {
    await backend.then(
      (b) => b.close(),
      () => {},
    );
    throw error;
  });
  return Pool.create(started, resolved, loaded, ledgers);
}
