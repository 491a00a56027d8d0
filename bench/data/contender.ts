// One Node contender of `npm run bench:data` in a process of its own, so that its peak RSS is its
// own: the sequential loop, or a weft pool that stays warm between runs. run.ts forks it with the
// spec as its argument and sends it one workload at a time; it replies with the time, the answer
// and the peaks of this process and of the pool's worker processes during that run.
import type { Answer } from "./answers.ts";
import { weft, type Pool } from "../../src/index.ts";
import { currentRss, peakRss, resetPeak, weftWorkerPids } from "./memory.ts";
import { workloadNamed, type Files } from "./workloads.ts";

export type ContenderSpec =
  | { readonly kind: "readline"; readonly files: Files }
  | {
      readonly kind: "weft";
      readonly backend: "threads" | "processes";
      readonly workers: number;
      /** Each worker's memory budget for keyed records, in MB. */
      readonly memoryBudgetMb: number;
      readonly files: Files;
    };

/** A run of `workload`, on `files` instead of the contender's own when given (a warm-up). */
export type ContenderRequest =
  { readonly workload: string; readonly files?: Files } | { readonly close: true };

/** One timed run, as measured inside the contender's process. */
export interface RunSample {
  readonly ms: number;
  readonly answer: Answer;
  /** The peak RSS of the calling process (this one) during the run, in bytes. */
  readonly callerPeakBytes: number | undefined;
  /** The peak RSS of each worker process during the run; empty when the workers are threads in the caller. */
  readonly workerPeakBytes: readonly number[];
  /**
   * How far each worker process's RSS rose during the run above what it was before: what the run
   * took on. For the join, above what it was once the user table was loaded: the table is the task's
   * own data, which it keeps between runs, not records weft holds for the job.
   */
  readonly workerGrowthBytes: readonly number[];
  /** Whether the peaks could be reset before the run; if not, they are lifetime peaks. */
  readonly perRun: boolean;
}

export type ContenderReply = { readonly ready: true } | RunSample | { readonly error: string };

const spec = JSON.parse(process.argv[2] ?? "") as ContenderSpec;
const gc = (globalThis as { gc?: () => void }).gc;

const pool: Pool | undefined =
  spec.kind === "weft"
    ? await weft({ backend: spec.backend, workers: spec.workers, memoryBudgetMb: spec.memoryBudgetMb })
    : undefined;
const send = (reply: ContenderReply) => process.send!(reply);

async function run(name: string, files: Files): Promise<RunSample> {
  const workload = workloadNamed(name);
  const workers = spec.kind === "weft" && spec.backend === "processes" ? weftWorkerPids() : [];
  // What the last run left is collected first, so the peak starts from what this process holds.
  gc?.();
  let before = workers.map((pid) => currentRss(pid));
  const perRun = [resetPeak("self"), ...workers.map((pid) => resetPeak(pid))].every(Boolean);
  // The peaks while the table loaded, kept for the peak column before the growth's peak is reset.
  let loadingPeaks: (number | undefined)[] = [];
  const loaded = () => {
    loadingPeaks = workers.map((pid) => peakRss(pid));
    before = workers.map((pid) => currentRss(pid));
    for (const pid of workers) resetPeak(pid);
  };
  const started = performance.now();
  // weft digests its result on the workers; the loop's is digested once the clock has stopped.
  const digested = pool ? await workload.weft(pool, files, loaded) : undefined;
  const result = pool ? undefined : await workload.sequential(files);
  const ms = performance.now() - started;
  const callerPeakBytes = peakRss("self");
  const workerPeaks = workers.map((pid) => peakRss(pid));
  const workerPeakBytes = workerPeaks.flatMap((peak, i) =>
    peak === undefined ? [] : [Math.max(peak, loadingPeaks[i] ?? 0)],
  );
  const workerGrowthBytes = workerPeaks.flatMap((peak, i) =>
    peak === undefined || before[i] === undefined ? [] : [peak - before[i]],
  );
  const answer = digested ?? workload.answer(result!);
  return { ms, answer, callerPeakBytes, workerPeakBytes, workerGrowthBytes, perRun };
}

process.on("message", (request: ContenderRequest) => {
  if ("close" in request) {
    void (pool?.close() ?? Promise.resolve()).then(() => process.disconnect());
    return;
  }
  run(request.workload, request.files ?? spec.files).then(send, (error: unknown) =>
    send({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
});
send({ ready: true });
