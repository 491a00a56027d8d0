// What the service accepts: a job's definition checked against what exists (tasks, workloads) and
// against the bounds that keep one request from holding the server's thread, memory or workers for
// long, and a client's jobs against its quota; each refusal is a RequestError that names the bound
// and what to do instead.
import { workloadNamed } from "../../workloads/all.ts";
import type { Workload } from "../../workloads/workload.ts";
import type { BenchSubmission, JobDefinition, TaskSubmission, WorkloadSubmission } from "../api/types.ts";
import { RequestError } from "./errors.ts";
import type { TaskCatalog } from "./task-catalog.ts";

/** Workload sizes the service takes, as a multiple of each workload's default. */
export const maxSizeFactor = 4;
/** The longest a job's serial part (synthetic's, on the server's thread) may run. */
export const maxSerialMs = 100;
/** Items a `range` input may hold: as many as a workload at its largest size, about. */
export const maxRangeItems = 100_000_000;
/** Outputs a `collect` job may store: as many as an `items` input may hold. */
export const maxCollectEntries = 1_000_000;
/**
 * A bench job's work, in runs of a workload at its default size (each a few seconds on one core):
 * `weft bench` with its defaults on this machine's kind (7 workloads, 3 worker counts, 3 repeats)
 * is 84.
 */
export const maxBenchRuns = 100;
/**
 * How a workload's cost grows with its size, as a power: a matrix product of side n costs n³, a
 * Mandelbrot image of side n costs n²; the others are linear in theirs.
 */
const costExponent: Readonly<Record<string, number>> = { matmul: 3, mandelbrot: 2 };

export interface AdmissionSettings {
  /** The backend jobs run on: a pool of a job's own (`options.workers`) exists on threads only. */
  readonly backend: string;
  /** The most workers a job's own pool, or one run of a bench job, may have. */
  readonly maxJobWorkers: number;
  /** Jobs one client may have queued or running. */
  readonly maxPerClient: number;
}

/** Checks definitions before they are stored; `label` gives the job's name in words, or throws why not. */
export class Admission {
  readonly #tasks: TaskCatalog;
  readonly #settings: AdmissionSettings;

  constructor(tasks: TaskCatalog, settings: AdmissionSettings) {
    this.#tasks = tasks;
    this.#settings = settings;
  }

  /** The job in words ("primes below 20,000,000"), once it is known to be one the service runs. */
  label(definition: JobDefinition): string {
    switch (definition.type) {
      case "workload":
        this.#checkOwnPool(definition.options?.workers);
        return this.#checkWorkload(definition);
      case "task":
        this.#checkOwnPool(definition.options?.workers);
        return this.#checkTask(definition);
      case "bench":
        return this.#checkBench(definition);
    }
  }

  /** Refuses a client's job past its quota, given how many it has queued or running. */
  /** `quota`: the client's own (its token's), instead of the server's `maxPerClient`. */
  checkQuota(active: number, quota = this.#settings.maxPerClient): void {
    const most = quota;
    if (active >= most) {
      throw new RequestError(
        429,
        "too_many_jobs",
        `this client already has ${most} jobs queued or running; wait for one to finish`,
      );
    }
  }

  /** The task a name stands for, or a RequestError listing the ones there are. */
  task(name: string): (item: unknown) => unknown {
    const fn = this.#tasks.get(name);
    if (!fn) {
      throw new RequestError(
        400,
        "unknown_task",
        `unknown task "${name}": this service runs ${this.#tasks.names().join(", ") || "no tasks"} (start it with --tasks <module>)`,
      );
    }
    // The catalog holds only weft tasks; what they take and return is known only at run time.
    return fn as (item: unknown) => unknown;
  }

  workload(name: string): Workload<unknown> {
    try {
      return workloadNamed(name);
    } catch (error) {
      throw new RequestError(400, "unknown_workload", (error as Error).message);
    }
  }

  #checkTask(definition: TaskSubmission): string {
    this.task(definition.task);
    const { input } = definition;
    if ("items" in input)
      return `${definition.op ?? "map"} ${definition.task} over ${input.items.length.toLocaleString("en-US")} items`;
    const { from, to, step = 1 } = input.range;
    const items = to > from ? Math.ceil((to - from) / step) : 0;
    if (!(items <= maxRangeItems)) {
      throw new RequestError(
        400,
        "too_large",
        `a range may hold up to ${maxRangeItems.toLocaleString("en-US")} items here; [${from}, ${to}) by ${step} holds ${items.toLocaleString("en-US")}: split it into several jobs`,
      );
    }
    if ((definition.reduce ?? "collect") === "collect" && items > maxCollectEntries) {
      throw new RequestError(
        400,
        "too_large",
        `a job that collects stores every output, up to ${maxCollectEntries.toLocaleString("en-US")}; this range holds ${items.toLocaleString("en-US")} items: reduce them with "count" or "sum", or split the range`,
      );
    }
    return `${definition.op ?? "map"} ${definition.task} over [${from}, ${to})`;
  }

  /**
   * A workload job's size is bounded: its reference data and any serial part live on the server's own
   * thread, so one request must not be able to stall or exhaust the service.
   */
  #checkWorkload(definition: WorkloadSubmission): string {
    const workload = this.workload(definition.workload);
    const size = definition.size ?? workload.defaultSize;
    const largest = maxSizeFactor * workload.defaultSize;
    if (size > largest) {
      throw new RequestError(
        400,
        "too_large",
        `${workload.name} takes sizes up to ${largest.toLocaleString("en-US")} here (${maxSizeFactor}× its default); run larger ones with weft bench`,
      );
    }
    const { itemMicros, serialFraction } = { ...workload.knobDefaults, ...definition.knobs };
    if (itemMicros !== undefined && serialFraction !== undefined) {
      const serialMs = (size * itemMicros * serialFraction) / (1 - serialFraction) / 1000;
      if (serialMs > maxSerialMs) {
        throw new RequestError(
          400,
          "too_large",
          `the serial part of this job would hold the server's own thread for about ${Math.round(serialMs)} ms; ` +
            `keep size × itemMicros × serialFraction / (1 − serialFraction) under ${maxSerialMs * 1000} µs`,
        );
      }
    }
    try {
      return workload.describe(size);
    } catch (error) {
      throw new RequestError(400, "bad_size", (error as Error).message);
    }
  }

  /** A bench job's workloads exist at its size, its worker counts fit the machine, and its runs add up to a bounded amount of work. */
  #checkBench(definition: BenchSubmission): string {
    let runs = 0;
    const repeat = definition.repeat ?? 3;
    for (const name of definition.workloads) {
      const workload = this.workload(name);
      this.#checkWorkload({
        type: "workload",
        workload: name,
        ...(definition.size !== undefined && { size: definition.size }),
      });
      const size = definition.size ?? (definition.quick ? workload.quickSize : workload.defaultSize);
      // Each worker count and the sequential reference run `repeat` times.
      runs += repeat * (1 + definition.workers.length) * costOf(workload, size);
    }
    for (const workers of definition.workers) this.#checkWorkers(workers, "a bench run");
    if (runs > maxBenchRuns) {
      throw new RequestError(
        400,
        "too_large",
        `this benchmark is about ${Math.round(runs).toLocaleString("en-US")} runs of a workload at its default size; ` +
          `the service takes up to ${maxBenchRuns}: fewer workloads, worker counts or repeats, a smaller size, or quick (or run weft bench yourself)`,
      );
    }
    return `bench ${definition.workloads.join(", ")} on ${definition.workers.join(", ")} workers`;
  }

  #checkOwnPool(workers: number | undefined): void {
    if (workers === undefined) return;
    if (this.#settings.backend !== "threads") {
      throw new RequestError(
        400,
        "unsupported",
        `a pool of a job's own (options.workers) runs on this machine's threads; this service runs jobs on ${this.#settings.backend}: leave options.workers out`,
      );
    }
    this.#checkWorkers(workers, "a job's own pool");
  }

  #checkWorkers(workers: number, what: string): void {
    const most = this.#settings.maxJobWorkers;
    if (workers > most) {
      throw new RequestError(
        400,
        "too_large",
        `${what} may have up to ${most} workers here (twice this machine's cores), not ${workers}`,
      );
    }
  }
}

/** A run of `workload` at `size`, in runs at its default size. */
export function costOf(workload: Workload<unknown>, size: number): number {
  return (size / workload.defaultSize) ** (costExponent[workload.name] ?? 1);
}
