// The benchmark's own task module, which weft's workers import by this module's URL.
import { task } from "../../src/index.ts";
import * as kernels from "./kernels.ts";

// The kernel function itself, not a wrapper, so weft runs exactly the code the peers run.
export const increment = task(import.meta.url, kernels.increment);
