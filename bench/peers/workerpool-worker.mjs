// The worker script workerpool loads: registers the handlers with workerpool.worker, as its docs show.
// Plain .mjs for the reason given in worker.mjs: tsx must be registered before the .ts kernels load.
import { register } from "tsx/esm/api";
import workerpool from "workerpool";

register();

const handlers = await import("./handlers.ts");
workerpool.worker({ ...handlers });
