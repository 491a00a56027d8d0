// The benchmark's own task module, which weft's workers import by this module's URL.
import { task } from "../../src/index.ts";
import * as mixing from "../../src/workloads/kernels/mix.ts";
import * as kernels from "./kernels.ts";

// The kernel functions themselves, not wrappers, so weft runs exactly the code the peers and plain loops run.
export const increment = task(import.meta.url, kernels.increment);
export const mixIsEven = task(import.meta.url, mixing.mixIsEven);
export const addMix = task(import.meta.url, mixing.addMix);
