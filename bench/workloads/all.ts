// The workloads by name, in the order they run and print.
import { coarse } from "./coarse.ts";
import { fine } from "./fine.ts";
import { skewed } from "./skewed.ts";
import { submit } from "./submit.ts";
import type { Workload, WorkloadName } from "./workload.ts";

export const workloads: Record<WorkloadName, (quick: boolean) => Workload<unknown>> = {
  coarse,
  fine,
  skewed,
  submit,
};

export const workloadNames = Object.keys(workloads) as WorkloadName[];
