// The workloads by name, in the order they run and print.
import { coarse } from "./coarse.ts";
import { fine } from "./fine.ts";
import { skewedMiddle } from "./skewed-middle.ts";
import { skewedRandom } from "./skewed-random.ts";
import { skewed } from "./skewed.ts";
import { submit } from "./submit.ts";
import { tiny } from "./tiny.ts";
import type { Workload, WorkloadName } from "./workload.ts";

export { workloadNames } from "./workload.ts";

export const workloads: Record<WorkloadName, (quick: boolean) => Workload<unknown>> = {
  coarse,
  fine,
  tiny,
  skewed,
  "skewed-middle": skewedMiddle,
  "skewed-random": skewedRandom,
  submit,
};
