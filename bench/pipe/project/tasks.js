// The tasks `weft pipe` runs in `npm run bench:pipe`, as a user's project defines them.
import { task } from "weft";
import { lengthKernel, scoreKernel } from "./kernels.js";

export const score = task(import.meta.url, scoreKernel);
export const length = task(import.meta.url, lengthKernel);
